import type { Trial } from "../../api/trial.ts";
import type { WarmObservation } from "../../api/warm-start.ts";
import { isFinished, type TrialView } from "../../engine/job.ts";
import { createTuner } from "../../engine/tuner.ts";
import { JOB_LABEL, finishedOrder, parseTrial, trialViewOf } from "../objects.ts";
import { pendingStop } from "../status.ts";
import { sendStop } from "./act.ts";
import { isoNow, type Deps, type JobObject } from "./deps.ts";
import type { JobRuntime } from "./runtime.ts";

/** The job's Trials in the cache: labelled with its name and owned by this uid (a malformed one is logged and skipped). */
export function ownedTrials(d: Deps, ns: string, job: string, uid: string): Trial[] {
  const out: Trial[] = [];
  for (const raw of d.trials.list(ns)) {
    if (raw.metadata?.labels?.[JOB_LABEL] !== job) continue;
    if (!(raw.metadata.ownerReferences ?? []).some((o) => o.uid === uid)) continue;
    const t = parseTrial(raw);
    if (!t.ok) d.log.warn("ignoring a malformed Trial", { namespace: ns, job, error: t.detail });
    else out.push(t.trial);
  }
  return out;
}

/** A job's runtime rebuilt from its stored Trials and warm observations (first sight, or after a restart); stops in progress are sent again. */
export function rebuild(d: Deps, job: JobObject, warm: readonly WarmObservation[] = []): JobRuntime {
  const { name, namespace, uid } = job.metadata;
  const stored = ownedTrials(d, namespace, name, uid);
  const order = finishedOrder(stored);
  // A stop still in progress (its Pod has not exited, or its last reports are settling) stays one: the
  // trial is unfinished, stopped, and ends EarlyStopped once it has exited and its reports are in.
  const stops: Record<string, string> = {};
  const views = stored.map((t): TrialView => {
    const v = trialViewOf(t);
    const stopping = pendingStop(t.status);
    if (stopping !== undefined) {
      stops[v.name] = stopping;
      return { ...v, phase: "Running" };
    }
    const o = order.get(t.metadata.name);
    return o === undefined ? v : { ...v, finishedOrder: o };
  });
  const rt: JobRuntime = {
    key: `${namespace}/${name}`,
    namespace,
    name,
    uid,
    generation: job.metadata.generation ?? 0,
    spec: job.spec,
    // Stored curves count as judged: a restart takes no new decision from history, only from new reports.
    tuner: createTuner({ job: name, spec: job.spec, trials: views, unfinished: "keep", stops, warm }),
    warm,
    stops: new Map(),
    podSeen: new Set(),
    podsCreated: new Set(),
    trialSeen: new Set(stored.map((t) => t.metadata.name)),
    trialUids: new Map(),
    exitSeenAt: new Map(),
    written: new Map(),
    counted: new Set(),
    reported: new Set(),
    decided: false,
    awaitingReports: new Set(),
    conditionErrors: new Map(),
  };
  for (const t of stored) {
    const tn = t.metadata.name;
    if (t.metadata.uid) rt.trialUids.set(tn, t.metadata.uid);
    if (t.status) rt.written.set(tn, { status: t.status });
    const stopping = stops[tn];
    // The Pod of the attempt the status records (kube/attempts.ts).
    const pod = t.status?.podName ?? tn;
    if (stopping !== undefined) {
      rt.podSeen.add(pod);
      rt.stops.set(tn, { reason: stopping, at: t.status?.completionTime ?? isoNow(d) });
      // Sent again in case the first was lost with its controller (a trial that already stopped ignores it).
      sendStop(d, { namespace, job: name, trial: tn }, stopping);
    } else if (t.status?.phase && isFinished(t.status.phase)) rt.counted.add(tn);
    else if (t.status?.phase === "Running") rt.podSeen.add(pod);
  }
  d.log.info("job state rebuilt from its Trials", { namespace, job: name, trials: stored.length, finished: rt.counted.size, stopping: rt.stops.size });
  return rt;
}

/** A spec edit (only budget may change) rebuilds the engine from its own live state, keeping unsaved reports. */
export function respec(d: Deps, rt: JobRuntime, job: JobObject): void {
  const live = rt.tuner.trials().map((v): TrialView => ({ ...v, curve: [...v.curve], metrics: { ...v.metrics } }));
  // Stops in progress stay in progress, as a restart would read them from their Trials.
  const stops = Object.fromEntries(live.filter((v) => !isFinished(v.phase) && rt.stops.has(v.name)).map((v) => [v.name, rt.stops.get(v.name)?.reason ?? ""]));
  rt.tuner = createTuner({ job: rt.name, spec: job.spec, trials: live, unfinished: "keep", stops, warm: rt.warm });
  rt.spec = job.spec;
  rt.generation = job.metadata.generation ?? 0;
  d.log.info("job spec changed; engine rebuilt with the new budget", { namespace: rt.namespace, job: rt.name, generation: rt.generation });
}
