import type { TuningJobStatus } from "../api/tuningjob.ts";
import { isFinished } from "../engine/job.ts";
import type { MetricsTarget } from "../ingest/metrics-target.ts";
import { applyActions } from "./reconcile/act.ts";
import type { Deps } from "./reconcile/deps.ts";
import type { Jobs } from "./reconcile/jobs.ts";
import { writeStatuses } from "./reconcile/write-status.ts";

/** Ingest's port into the controller's jobs: how a trial stands, applying a report to its job's engine, persisting. */
export function createMetricsTarget(d: Deps, jobs: Jobs): MetricsTarget {
  return {
    admission(a) {
      const rt = jobs.runtimes.get(`${a.namespace}/${a.job}`);
      if (!rt) {
        const job = d.jobs.get(a.namespace, a.job) as { status?: TuningJobStatus } | undefined;
        if (!job) return { state: "unknown" };
        // A finished job is never loaded again; anything else is being loaded now.
        return { state: job.status?.phase === "Succeeded" || job.status?.phase === "Failed" ? "finished" : "later" };
      }
      const v = rt.tuner.trial(a.trial);
      if (!v) return { state: "unknown" };
      if (isFinished(v.phase)) return { state: "finished" };
      return { state: "running", uid: rt.trialUids.get(a.trial), metrics: v.metrics };
    },
    apply(a, m, mode) {
      const rt = jobs.runtimes.get(`${a.namespace}/${a.job}`);
      if (!rt) throw new Error(`job ${a.namespace}/${a.job} is not loaded`);
      const actions = rt.tuner.report(a.trial, m.step, m.metrics, mode);
      if (actions.length > 0) {
        rt.decided = true;
        applyActions(d, rt, actions);
      }
      rt.reported.add(a.trial);
    },
    async persist(keys) {
      let first = true;
      for (const key of keys) {
        // A turn of the event loop between jobs: reports that arrive meanwhile are judged (and their stops
        // sent) without waiting for every job's status writes.
        if (!first) await new Promise((resolve) => setImmediate(resolve));
        first = false;
        const rt = jobs.runtimes.get(key);
        if (!rt) continue;
        const raw = d.jobs.get(rt.namespace, rt.name) as { status?: TuningJobStatus; metadata?: { generation?: number } } | undefined;
        await jobs.lock(key, () => writeStatuses(d, jobs.gauges, rt, raw?.status, raw?.metadata?.generation));
        // Reports alone change only statuses, written just now; a reconcile is due only for what they decided.
        if (rt.decided || rt.awaitingReports.size > 0) d.enqueue(key);
      }
    },
  };
}
