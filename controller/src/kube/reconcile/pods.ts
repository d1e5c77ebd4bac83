import type { V1Pod } from "@kubernetes/client-node";
import { isFinished } from "../../engine/job.ts";
import { errorText } from "../../telemetry/log.ts";
import type { TrialExit } from "../../engine/tuner.ts";
import { infrastructureFailure, podVanished } from "../failure-class.ts";
import { retried } from "./act.ts";
import type { Deps } from "./deps.ts";
import type { JobRuntime } from "./runtime.ts";
import { deleteTrialObject, trialObjectName, trialObjectOf, type TrialObject } from "./trial-objects.ts";

/** The earliest of two optional wake-up delays. */
export function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

/**
 * Whether a trial whose Pod is gone or exited is still waiting for its last reports: every report it
 * published must be applied before it is judged (a stopped trial's tail too), for at most settleMs.
 * Not even a final report short-cuts this: earlier reports may still be due for redelivery.
 */
async function settling(d: Deps, rt: JobRuntime, trial: string): Promise<boolean> {
  const first = rt.exitSeenAt.get(trial) ?? d.now();
  rt.exitSeenAt.set(trial, first);
  if (d.now() - first >= d.settleMs) return false;
  if (await d.channel.caughtUp({ namespace: rt.namespace, job: rt.name, trial }, first).catch(() => false)) return false;
  rt.awaitingReports.add(trial);
  return true;
}

/** Tells the engine a trial's Pod ended; a retry gets its Event and metric, and the next attempt waits for its own exit. */
function exited(d: Deps, rt: JobRuntime, trial: string, pod: string, exit: TrialExit): void {
  const retry = rt.tuner.exited(trial, exit);
  if (retry === undefined) return;
  rt.exitSeenAt.delete(trial);
  retried(d, rt, trial, pod, retry);
}

/**
 * How a trial object that ended (or vanished) ends its attempt; a stopped trial's exit is always clean.
 * A Pod's infrastructure failure (or a Pod that vanished: see podVanished) is retried; a resource's
 * own controller retries its Pods, so a resource's failure is the trial's.
 */
function exitOf(rt: JobRuntime, found: TrialObject | undefined, name: string, stopped: boolean): TrialExit {
  if (stopped) return { ok: true };
  if (rt.workload) {
    if (!found) return { ok: false, reason: `its ${rt.workload.template.resource.kind} ${name} was deleted before the trial finished` };
    return found.outcome.state === "exited" && found.outcome.ok ? { ok: true } : { ok: false, reason: (found.outcome.state === "exited" && found.outcome.reason) || `its ${rt.workload.template.resource.kind} failed` };
  }
  const pod = found?.object as V1Pod | undefined;
  const infrastructure = pod === undefined ? podVanished(name) : infrastructureFailure(pod);
  if (infrastructure !== undefined) return { ok: false, reason: infrastructure.message, infrastructure };
  const o = found?.outcome;
  return o?.state === "exited" && o.ok ? { ok: true } : { ok: false, reason: (o?.state === "exited" && o.reason) || "the Pod failed" };
}

/**
 * Reads the Pods of the trials' current attempts into the engine: started, exited (after the last
 * reports arrived), deleted; an infrastructure failure becomes the trial's next attempt (the engine
 * decides). Deletes the Pod of a stopped trial once its grace period is over. Returns when to look
 * again, if sooner than the resync.
 */
export async function observePods(d: Deps, rt: JobRuntime): Promise<number | undefined> {
  let wake: number | undefined;
  for (const v of rt.tuner.trials()) {
    rt.awaitingReports.delete(v.name);
    if (isFinished(v.phase)) continue;
    const name = trialObjectName(rt, v);
    const found = trialObjectOf(d, rt, v);
    const stop = rt.stops.get(v.name);
    if (!found) {
      if (!stop && !rt.podSeen.has(name)) continue;
      if (await settling(d, rt, v.name)) {
        wake = earliest(wake, 500);
        continue;
      }
      exited(d, rt, v.name, name, exitOf(rt, undefined, name, stop !== undefined));
      continue;
    }
    rt.podSeen.add(name);
    const o = found.outcome;
    if (o.state === "running") rt.tuner.started(v.name);
    if (o.state === "exited") {
      if (await settling(d, rt, v.name)) {
        wake = earliest(wake, 500);
        continue;
      }
      exited(d, rt, v.name, name, exitOf(rt, found, name, stop !== undefined));
      continue;
    }
    if (stop && !found.object.metadata?.deletionTimestamp) {
      const due = Date.parse(stop.at) + d.stopGraceMs - d.now();
      if (due <= 0) {
        d.log.info("deleting the Pod of a stopped trial after its grace period", { namespace: rt.namespace, job: rt.name, trial: v.name, pod: name });
        void deleteTrialObject(d, rt, v).catch((e: unknown) => d.log.warn("deleting a stopped trial's Pod failed", { trial: v.name, pod: name, error: errorText(e) }));
        wake = earliest(wake, 1000);
      } else wake = earliest(wake, due);
    }
  }
  return wake;
}
