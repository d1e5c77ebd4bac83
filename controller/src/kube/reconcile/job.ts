import { isFinished } from "../../engine/job.ts";
import type { ReconcileOutcome } from "../workqueue.ts";
import { applyActions } from "./act.ts";
import type { Deps, JobObject } from "./deps.ts";
import { settleFinished } from "./finished.ts";
import { clearRefusal, fixedSinceRefused, refuseInvalid } from "./invalid-spec.ts";
import type { Jobs } from "./jobs.ts";
import { earliest, observePods } from "./pods.ts";
import { readJob } from "./read.ts";
import { rebuild, respec } from "./rebuild.ts";
import type { JobRuntime } from "./runtime.ts";
import { ensureTrials, restoreDeleted } from "./trials.ts";
import { trialObjectOf } from "./trial-objects.ts";
import { checkTrialKind } from "./kind.ts";
import { writeStatuses } from "./write-status.ts";
import { judgedObjective } from "../../api/job-objectives.ts";
import { warmStartOf } from "./warm-start.ts";
import { resumeIfExtended } from "./extend.ts";

/** Running jobs are reconciled at least this often, so the loop stays level-triggered even if an event is missed. */
const RESYNC_MS = 30_000;

/** Drops a deleted job's runtime and gauges. */
function forget(d: Deps, jobs: Jobs, namespace: string, name: string): void {
  const key = `${namespace}/${name}`;
  const spec = jobs.runtimes.get(key)?.spec;
  const metric = (spec ? judgedObjective(spec).metric : undefined) ?? jobs.gauges.metricOf(key);
  const loaded = jobs.runtimes.delete(key);
  // A finished job loaded after a restart has gauges but no runtime.
  if (jobs.gauges.drop(namespace, name, metric) || loaded) d.log.info("job deleted; its state is dropped", { namespace, job: name });
}

/**
 * One pass over a loaded job: read the Pods into the engine and record what they said, ask the tuner
 * what to do, act (stops, Trials, Pods), read the Pods again and write the statuses.
 */
async function step(d: Deps, jobs: Jobs, rt: JobRuntime, job: JobObject): Promise<ReconcileOutcome> {
  rt.decided = false;
  let wake = await observePods(d, rt);
  // Record what the Pods said before asking for new trials, so it is stored whatever comes next. A job
  // without trials has nothing to record: its first status is written below, with its first trials.
  if (rt.tuner.trials().length > 0 || rt.fatal) await writeStatuses(d, jobs.gauges, rt, job.status, job.metadata.generation);
  if (!rt.fatal) {
    const started = performance.now();
    const actions = await rt.tuner.next();
    if (actions.some((a) => a.type === "launch")) d.metrics.suggestionLatency.observe({ algorithm: rt.spec.search.algorithm }, (performance.now() - started) / 1000);
    applyActions(d, rt, actions);
  }
  await restoreDeleted(d, rt, job);
  wake = earliest(wake, await ensureTrials(d, rt, job));
  // Exits seen this round may settle stopped trials right away.
  wake = earliest(wake, await observePods(d, rt));
  await writeStatuses(d, jobs.gauges, rt, job.status, job.metadata.generation);
  // Active: a trial still to finish, other than a stopped one whose Pod is already gone.
  const active = rt.tuner.trials().some((v) => !isFinished(v.phase) && (!rt.stops.has(v.name) || trialObjectOf(d, rt, v) !== undefined));
  if (active) wake = Math.min(wake ?? RESYNC_MS, RESYNC_MS);
  return wake === undefined ? {} : { requeueAfterMs: wake };
}

/** The work queue's handler: reconciles the job `namespace/name`; never called twice at once for one key (the queue ensures it). */
export function createJobReconciler(d: Deps, jobs: Jobs): (key: string) => Promise<ReconcileOutcome> {
  const kindWaits = new Map<string, number>();
  const warmWaits = new Map<string, string>();
  return async (key) => {
    const [namespace = "", name = ""] = key.split("/");
    if (!d.synced()) return { requeueAfterMs: 200 };
    const read = readJob(d, namespace, name);
    if (read.state === "deleted") {
      forget(d, jobs, namespace, name);
      kindWaits.delete(key);
      warmWaits.delete(key);
      return {};
    }
    if (read.state === "ignored") return {};
    if (read.state === "invalid") {
      await refuseInvalid(d, read);
      return {};
    }
    const { job } = read;
    let rt = jobs.runtimes.get(key);
    // A job deleted and re-created under the same name starts afresh.
    if (rt && rt.uid !== job.metadata.uid) rt = undefined;
    // An edited job whose end is written and every trial finished is judged from its status, as after a restart (extend.ts).
    const over = rt?.jobWritten?.phase === "Succeeded" || rt?.jobWritten?.phase === "Failed";
    if (rt && over && (job.metadata.generation ?? 0) !== rt.generation && rt.tuner.trials().every((v) => isFinished(v.phase))) {
      job.status = { ...(job.status ?? {}), ...rt.jobWritten };
      jobs.runtimes.delete(key);
      rt = undefined;
    }
    if (!rt && fixedSinceRefused(job)) await clearRefusal(d, job);
    if (!rt && (job.status?.phase === "Succeeded" || job.status?.phase === "Failed") && !(await resumeIfExtended(d, job))) return settleFinished(d, jobs.gauges, job);
    const kind = await checkTrialKind(d, job, kindWaits);
    if (!kind.ok) return { requeueAfterMs: kind.requeueAfterMs };
    if (!rt) {
      const warm = await warmStartOf(d, job, warmWaits);
      if (!warm.ok) return { requeueAfterMs: warm.requeueAfterMs };
      rt = rebuild(d, job, warm.observations);
      jobs.runtimes.set(key, rt);
    } else if ((job.metadata.generation ?? 0) !== rt.generation && !rt.fatal && !rt.tuner.ended()) respec(d, rt, job);
    const loaded = rt;
    if (kind.workload) loaded.workload = kind.workload;
    else delete loaded.workload;
    return jobs.lock(key, () => step(d, jobs, loaded, job));
  };
}
