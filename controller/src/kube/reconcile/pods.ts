import { isFinished } from "../../engine/job.ts";
import { errorText } from "../../telemetry/log.ts";
import type { Deps } from "./deps.ts";
import type { JobRuntime } from "./runtime.ts";
import { deleteTrialObject, trialObjectOf } from "./trial-objects.ts";

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

/**
 * Reads Pods into the engine: started, exited (after its last reports arrived), deleted; deletes the
 * Pod of a stopped trial once its grace period is over. Returns when to look again, if sooner than the resync.
 */
export async function observePods(d: Deps, rt: JobRuntime): Promise<number | undefined> {
  let wake: number | undefined;
  for (const v of rt.tuner.trials()) {
    rt.awaitingReports.delete(v.name);
    if (isFinished(v.phase)) continue;
    const found = trialObjectOf(d, rt, v.name);
    const stop = rt.stops.get(v.name);
    if (!found) {
      if (!stop && !rt.podSeen.has(v.name)) continue;
      if (await settling(d, rt, v.name)) {
        wake = earliest(wake, 500);
        continue;
      }
      rt.tuner.exited(v.name, stop ? { ok: true } : { ok: false, reason: "its Pod was deleted before the trial finished" });
      continue;
    }
    rt.podSeen.add(v.name);
    const o = found.outcome;
    if (o.state === "running") rt.tuner.started(v.name);
    if (o.state === "exited") {
      if (await settling(d, rt, v.name)) {
        wake = earliest(wake, 500);
        continue;
      }
      rt.tuner.exited(v.name, stop || o.ok ? { ok: true } : { ok: false, reason: o.reason ?? "the Pod failed" });
      continue;
    }
    if (stop && !found.object.metadata?.deletionTimestamp) {
      const due = Date.parse(stop.at) + d.stopGraceMs - d.now();
      if (due <= 0) {
        d.log.info("deleting the Pod of a stopped trial after its grace period", { namespace: rt.namespace, job: rt.name, trial: v.name });
        void deleteTrialObject(d, rt, v.name).catch((e: unknown) => d.log.warn("deleting a stopped trial's Pod failed", { trial: v.name, error: errorText(e) }));
        wake = earliest(wake, 1000);
      } else wake = earliest(wake, due);
    }
  }
  return wake;
}
