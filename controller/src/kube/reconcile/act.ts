import { GROUP_VERSION } from "../../api/meta.ts";
import type { TrialAddress } from "../../api/metrics.ts";
import type { TrialRetry } from "../../api/trial.ts";
import type { JobEnd } from "../../engine/job.ts";
import type { Action } from "../../engine/tuner.ts";
import { errorText } from "../../telemetry/log.ts";
import { boundedText } from "../status.ts";
import { isoNow, type Deps } from "./deps.ts";
import type { JobRuntime } from "./runtime.ts";

/** Records an Event on the job or one of its Trials; a failed Event is logged, never retried. */
export function event(d: Deps, rt: JobRuntime, kind: "TuningJob" | "Trial", name: string, type: "Normal" | "Warning", reason: string, message: string): void {
  const uid = kind === "TuningJob" ? rt.uid : rt.trialUids.get(name);
  d.api.event({ kind, apiVersion: GROUP_VERSION, namespace: rt.namespace, name, ...(uid ? { uid } : {}) }, type, reason, message).catch((e: unknown) => d.log.warn("recording an Event failed", { job: rt.name, namespace: rt.namespace, reason, error: errorText(e) }));
}

/** Sends a stop request to a trial; a lost one costs only time: the Pod is deleted after the grace period. */
export function sendStop(d: Deps, a: TrialAddress, reason: string): void {
  d.channel.stop(a, reason).catch((e: unknown) => d.log.warn("publishing a stop request failed; the Pod will be deleted after the grace period", { job: a.job, trial: a.trial, error: errorText(e) }));
}

/** Decides a trial's stop (once): remembered in `stops`, sent to the trial, counted and told when early. */
export function requestStop(d: Deps, rt: JobRuntime, trial: string, reason: string, early: boolean): void {
  if (rt.stops.has(trial)) return;
  rt.stops.set(trial, { reason, at: isoNow(d) });
  sendStop(d, { namespace: rt.namespace, job: rt.name, trial }, reason);
  if (early) {
    d.metrics.earlyStops.inc({ namespace: rt.namespace, job: rt.name });
    event(d, rt, "Trial", trial, "Normal", "EarlyStopped", reason);
  }
  d.log.info(early ? "trial stopped early" : "stopping trial", { namespace: rt.namespace, job: rt.name, trial, reason });
}

/** Carries out the engine's stop and end actions (launches are the Trials that ensureTrials creates). */
export function applyActions(d: Deps, rt: JobRuntime, actions: readonly Action[]): void {
  for (const a of actions) {
    if (a.type === "stop") requestStop(d, rt, a.trial, a.reason, true);
    else if (a.type === "end") {
      for (const t of a.stop) requestStop(d, rt, t, `the job ended (${a.end.reason})`, false);
      event(d, rt, "TuningJob", rt.name, a.end.phase === "Succeeded" ? "Normal" : "Warning", `Job${a.end.phase}`, `${a.end.reason}: ${a.end.message}`);
      d.log.info("job finished", { namespace: rt.namespace, job: rt.name, phase: a.end.phase, reason: a.end.reason, message: a.end.message });
    }
  }
}

/** Ends the job for a reason the engine cannot see (a refused template, a foreign Trial), stopping what runs. */
export function fail(d: Deps, rt: JobRuntime, end: JobEnd): void {
  if (rt.fatal || rt.tuner.ended()) return;
  rt.fatal = end;
  applyActions(d, rt, rt.tuner.interrupt(end.message).map((a) => (a.type === "end" ? { ...a, end } : a)));
}

/** Tells of a trial retried after an infrastructure failure: a Warning Event on the Trial (reason Evicted, OOMKilled, Preempted or NodeLost), the retries metric, a log line. */
export function retried(d: Deps, rt: JobRuntime, trial: string, pod: string, retry: TrialRetry): void {
  const next = retry.attempt + 1;
  const message = `attempt ${retry.attempt} (Pod ${pod}) ended: ${retry.message}; retrying as attempt ${next} of at most ${rt.spec.budget.maxRetries + 1} with the same parameters`;
  event(d, rt, "Trial", trial, "Warning", retry.reason, boundedText(message));
  d.metrics.trialRetries.inc({ reason: retry.reason });
  d.log.info("trial retried after an infrastructure failure", { namespace: rt.namespace, job: rt.name, trial, pod, reason: retry.reason, attempt: next, message: boundedText(retry.message) });
}
