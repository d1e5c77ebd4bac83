import { TuningJob } from "../api/tuningjob.ts";
import type { Trial } from "../api/trial.ts";
import type { TrialView } from "../engine/job.ts";
import { JOB_LABEL, finishedOrder, parseTrial, trialViewOf } from "../kube/objects.ts";
import { oneLine, type Failure } from "./api-failure.ts";
import { resultsOf, type Results, type ResultsEnd, type TrialTimes } from "../local/results.ts";

/** A TuningJob as read from a cluster, with the identity the API server gave it. */
export type ClusterJob = TuningJob & { metadata: { namespace: string; uid: string } };

/** Parses a TuningJob object read from the API; a failure names the fields that are wrong. */
export function parseClusterJob(obj: unknown): { ok: true; job: ClusterJob } | { ok: false; reason: "invalid_job"; detail: string } {
  const r = TuningJob.safeParse(obj);
  const name = (obj as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  const label = typeof name === "string" ? name : "?";
  if (!r.success) {
    const first = r.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    return { ok: false, reason: "invalid_job", detail: `TuningJob ${label} cannot be read as a kubetune job: ${first}` };
  }
  const { namespace, uid } = r.data.metadata;
  if (namespace === undefined || uid === undefined) return { ok: false, reason: "invalid_job", detail: `TuningJob ${label} has no namespace or uid (was it read from a cluster?)` };
  return { ok: true, job: { ...r.data, metadata: { ...r.data.metadata, namespace, uid } } };
}

/**
 * The job's Trials among `objects`: labelled with its name and owned by its uid (as the controller
 * counts them), in index order; malformed ones are left out and described in `skipped`.
 */
export function jobTrials(job: ClusterJob, objects: readonly unknown[]): { trials: Trial[]; skipped: string[] } {
  const trials: Trial[] = [];
  const skipped: string[] = [];
  for (const obj of objects) {
    const meta = (obj as { metadata?: { labels?: Record<string, unknown>; ownerReferences?: unknown } } | null)?.metadata;
    if (meta?.labels?.[JOB_LABEL] !== job.metadata.name) continue;
    const owners = Array.isArray(meta.ownerReferences) ? (meta.ownerReferences as { uid?: unknown }[]) : [];
    if (!owners.some((o) => o?.uid === job.metadata.uid)) continue;
    const t = parseTrial(obj);
    if (t.ok) trials.push(t.trial);
    else skipped.push(t.detail);
  }
  trials.sort((a, b) => a.spec.index - b.spec.index);
  return { trials, skipped };
}

/** How the job ended, from its status (none while it is Pending or Running). */
function endOf(job: ClusterJob): ResultsEnd | null {
  const s = job.status;
  if (s?.phase !== "Succeeded" && s?.phase !== "Failed") return null;
  return { phase: s.phase, ...(s.reason !== undefined ? { reason: s.reason } : {}), ...(s.message !== undefined ? { message: s.message } : {}) };
}

/** The job's best trial: its Trial's view, or the job status's copy when that Trial is gone. */
function bestOf(job: ClusterJob, views: readonly TrialView[]): TrialView | undefined {
  const b = job.status?.bestTrial;
  if (b === undefined) return undefined;
  return views.find((v) => v.name === b.name) ?? { name: b.name, index: 0, params: b.params, phase: "Succeeded", value: b.value, curve: [], metrics: b.metrics ?? {} };
}

/** The results document (results.json's model, as a local run writes it) of a job and its Trials in a cluster. */
export function clusterResults(job: ClusterJob, trials: readonly Trial[]): Results {
  const order = finishedOrder(trials);
  const views = trials.map((t): TrialView => {
    const v = trialViewOf(t);
    const o = order.get(t.metadata.name);
    return o === undefined ? v : { ...v, finishedOrder: o };
  });
  const times: TrialTimes = new Map(
    trials.map((t) => [t.metadata.name, { ...(t.status?.startTime ? { startedAt: t.status.startTime } : {}), ...(t.status?.completionTime ? { finishedAt: t.status.completionTime } : {}) }]),
  );
  const finishedAt = job.status?.completionTime;
  return resultsOf({
    job: job.metadata.name,
    spec: job.spec,
    trials: views,
    best: bestOf(job, views),
    end: endOf(job),
    startedAt: job.status?.startTime ?? job.metadata.creationTimestamp ?? "",
    ...(finishedAt ? { finishedAt } : {}),
    times,
  });
}

/** The failure of showing a job that has no Trials yet, with its phase and message (a job the controller failed says why). */
export function noTrials(job: ClusterJob): Failure {
  const phase = job.status?.phase ?? "Pending";
  const why = job.status?.message ? `: ${oneLine(job.status.message, 200)}` : "";
  return { ok: false, reason: "no_trials", detail: `TuningJob "${job.metadata.name}" in namespace "${job.metadata.namespace}" has no Trials yet (phase ${phase}${why})` };
}
