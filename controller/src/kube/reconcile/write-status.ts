import type { TrialStatus } from "../../api/trial.ts";
import type { TuningJobStatus } from "../../api/tuningjob.ts";
import { isFinished, type TrialView } from "../../engine/job.ts";
import { errorText } from "../../telemetry/log.ts";
import { isRefusal, type ApiCallError } from "../api.ts";
import { forEachLimit } from "../limit.ts";
import { boundedText, jobStatus, sameJson, saysOnlyPending, shownPhase, trialStatus, type StopRequest } from "../status.ts";
import { event } from "./act.ts";
import { WRITES_IN_FLIGHT, isoNow, type Deps } from "./deps.ts";
import type { JobGauges } from "./gauges.ts";
import type { JobRuntime } from "./runtime.ts";
import { deleteTrialObject, trialObjectName } from "./trial-objects.ts";
import { constraintMetrics, isMultiObjective, judgedObjective, objectiveList } from "../../api/job-objectives.ts";

/** What a trial's status is computed from besides its reports: with no report since, the same key gives the same status. */
function writtenFromOf(v: TrialView | undefined, stop: { reason: string } | undefined): string {
  return `${v?.phase ?? ""}\n${v?.reason ?? ""}\n${stop?.reason ?? ""}\n${v?.retries?.length ?? 0}`;
}

/**
 * A Trial status the API server refuses for its content (too large, invalid) would be refused again
 * on every retry: the trial fails with the refusal as its reason, its Pod is deleted, and a status
 * without the refused content (the last one stored, with the new phase and reason) is written once.
 */
async function statusRefused(d: Deps, rt: JobRuntime, trial: string, e: ApiCallError): Promise<void> {
  const refusal = `the API server refused the trial's status (HTTP ${e.code}): ${e.detail}`;
  d.log.error("a Trial status was refused; the trial fails", { namespace: rt.namespace, job: rt.name, trial, code: e.code, error: e.message });
  rt.tuner.exited(trial, { ok: false, reason: refusal });
  rt.decided = true;
  const v = rt.tuner.trial(trial);
  const stop = rt.stops.get(trial);
  const previous = rt.written.get(trial)?.status;
  const pod = v ? trialObjectName(rt, v) : trial;
  const status: TrialStatus = { ...(previous ?? {}), phase: v?.phase ?? "Failed", podName: pod, reason: boundedText(v?.reason ?? refusal), message: boundedText(refusal), completionTime: previous?.completionTime ?? isoNow(d) };
  if (!status.startTime) status.startTime = status.completionTime as string;
  // The Pod is deleted at once; the stop request only lets the trainer say why before it goes.
  d.channel.stop({ namespace: rt.namespace, job: rt.name, trial }, refusal).catch(() => undefined);
  void deleteTrialObject(d, rt, v ?? { name: trial }).catch((err: unknown) => d.log.warn("deleting a failed trial's Pod failed", { trial, pod, error: errorText(err) }));
  try {
    await d.api.patchTrialStatus(rt.namespace, trial, status);
  } catch (err) {
    // Not even the stored status with a new reason passes: record it as written, never retry it.
    if (!isRefusal(err)) throw err;
    d.log.error("the failed trial's status was refused too; it stays as last stored", { namespace: rt.namespace, job: rt.name, trial, error: err.message });
  }
  rt.written.set(trial, { status, from: writtenFromOf(v, stop) });
  d.enqueue(rt.key);
}

/** The metrics a Trial status records: with additionalMetrics, those, the objectives and the constraints' metrics; else all (null). */
function recordedMetrics(spec: JobRuntime["spec"]): ReadonlySet<string> | null {
  const extra = spec.objective?.additionalMetrics;
  if (!extra) return null;
  return new Set([...objectiveList(spec).map((o) => o.metric), ...extra, ...constraintMetrics(spec)]);
}

/** Patches the Trial statuses that changed since last written; returns every trial as shown (a stopped one as EarlyStopped). */
async function writeTrialStatuses(d: Deps, rt: JobRuntime): Promise<TrialView[]> {
  const names = recordedMetrics(rt.spec);
  const shown: TrialView[] = [];
  const patches: { name: string; status: TrialStatus; from: string }[] = [];
  const now = isoNow(d);
  for (const v of rt.tuner.trials()) {
    const stop: StopRequest | undefined = rt.stops.get(v.name);
    shown.push({ ...v, phase: shownPhase(v, stop) });
    if (!rt.trialUids.has(v.name)) continue;
    const previous = rt.written.get(v.name);
    // Only reports change a trial's curve and metrics: a wide job's writes cost what changed, not every trial.
    const from = writtenFromOf(v, stop);
    if (previous && !rt.reported.has(v.name) && previous.from === from) continue;
    rt.reported.delete(v.name);
    const desired = trialStatus({ view: v, ...(stop ? { stop } : {}), ...(previous ? { previous: previous.status } : {}), metricNames: names, now });
    // What a Trial without status already says is recorded as written, not patched.
    if (!previous && saysOnlyPending(desired)) rt.written.set(v.name, { status: desired, from });
    else if (!sameJson(desired, previous?.status)) patches.push({ name: v.name, status: desired, from });
    else if (previous) previous.from = from;
  }
  await forEachLimit(patches, WRITES_IN_FLIGHT, async (p) => {
    try {
      await d.api.patchTrialStatus(rt.namespace, p.name, p.status);
    } catch (e) {
      if (isRefusal(e)) return statusRefused(d, rt, p.name, e);
      rt.reported.add(p.name);
      throw e;
    }
    rt.written.set(p.name, { status: p.status, from: p.from });
  });
  return shown;
}

/** Counts each finished trial once in metrics; a failure also gets a Warning Event. */
function countFinished(d: Deps, rt: JobRuntime): void {
  for (const v of rt.tuner.trials()) {
    if (!rt.trialUids.has(v.name) || !isFinished(v.phase) || rt.counted.has(v.name)) continue;
    rt.counted.add(v.name);
    d.metrics.trialsFinished.inc({ namespace: rt.namespace, job: rt.name, outcome: v.phase });
    // A success is on the Trial (phase, value) and in the job's counts and bestTrial; only failures warrant an Event each.
    if (v.phase === "Failed") event(d, rt, "Trial", v.name, "Warning", "TrialFailed", v.reason ?? "the trial failed");
  }
}

/** Writes what changed: Trial statuses, then the job status (and its gauges); counts finished trials once. */
export async function writeStatuses(d: Deps, gauges: JobGauges, rt: JobRuntime, jobStatusNow: TuningJobStatus | undefined, generation: number | undefined): Promise<void> {
  const shown = await writeTrialStatuses(d, rt);
  countFinished(d, rt);
  const end = rt.fatal ?? rt.tuner.ended();
  const best = rt.tuner.best();
  const front = isMultiObjective(rt.spec) ? rt.tuner.front() : undefined;
  const previous = rt.jobWritten ?? jobStatusNow;
  const desired = jobStatus({ ...(previous ? { previous } : {}), ...(generation !== undefined ? { generation } : {}), trials: shown, end, ...(best ? { best } : {}), ...(front ? { front } : {}), maxTrials: rt.spec.budget.maxTrials, now: isoNow(d) });
  if (!sameJson(desired, previous)) {
    await d.api.patchJobStatus(rt.namespace, rt.name, desired);
    rt.jobWritten = desired;
  }
  gauges.export(rt.namespace, rt.name, judgedObjective(rt.spec).metric, desired.phase ?? "Pending", desired);
}
