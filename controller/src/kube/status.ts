import type { Condition } from "../api/meta.ts";
import { isReservedMetricName, MAX_METRIC_NAMES_PER_TRIAL, METRIC_NAME_PATTERN } from "../api/metrics.ts";
import { MAX_CURVE_POINTS, MAX_REASON_CHARS, MAX_RETRY_MESSAGE_CHARS, type TrialStatus } from "../api/trial.ts";
import { MAX_FRONT_TRIALS, type BestTrial, type TuningJobStatus } from "../api/tuningjob.ts";
import type { Front } from "../engine/front.ts";
import { isFinished, progress, trialCounts, type JobEnd, type TrialView } from "../engine/job.ts";
import { fmt } from "../engine/format.ts";
import { thinCurve } from "./objects.ts";
import { attemptPodName } from "./attempts.ts";
import { attemptsOf } from "../engine/retry.ts";

/** A stop the controller has decided but the trial's process has not acted on yet. */
export interface StopRequest {
  reason: string;
  /** ISO time of the decision; the Pod is deleted a grace period after it. */
  at: string;
}

/** The trial as it should be shown: a trial told to stop already counts as EarlyStopped. */
export function shownPhase(view: TrialView, stop: StopRequest | undefined): TrialView["phase"] {
  if (isFinished(view.phase)) return view.phase;
  return stop ? "EarlyStopped" : view.phase;
}

/** Sets a condition, keeping its lastTransitionTime when its status did not change (Kubernetes conventions). */
export function setCondition(conditions: readonly Condition[], next: Condition, now: string): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const changed = !old || old.status !== next.status;
  const merged: Condition = { ...next, lastTransitionTime: changed ? now : (old.lastTransitionTime ?? now) };
  return [...conditions.filter((c) => c.type !== next.type), merged].sort((a, b) => a.type.localeCompare(b.type));
}

/** A reason or message cut to `max` characters (default MAX_REASON_CHARS), saying so. */
export function boundedText(text: string, max = MAX_REASON_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The metrics a status records: finite values of valid names (`keep` says which), the newest first
 * (`current` over `previous`), at most MAX_METRIC_NAMES_PER_TRIAL of them, whatever the engine or an
 * older stored status holds.
 */
export function boundedMetrics(current: Readonly<Record<string, number>>, previous: Readonly<Record<string, number>> = {}, keep: (name: string) => boolean = () => true): Record<string, number> {
  const out: Record<string, number> = {};
  let n = 0;
  for (const source of [current, previous]) {
    for (const [name, value] of Object.entries(source)) {
      if (n >= MAX_METRIC_NAMES_PER_TRIAL) return out;
      if (Object.hasOwn(out, name) || !Number.isFinite(value) || !METRIC_NAME_PATTERN.test(name) || isReservedMetricName(name) || !keep(name)) continue;
      out[name] = value;
      n++;
    }
  }
  return out;
}

/**
 * Condition on a Trial told to stop whose Pod has not exited yet (or whose last reports are still
 * settling): True until the engine settles it, then False. The phase already says EarlyStopped, so this
 * is how a restarted controller tells a stop still in progress (keep its Pod's reports coming, delete
 * the Pod after the grace period) from a finished trial.
 */
export const STOPPING = "Stopping";

/** The reason of a stop still in progress on a stored Trial status (see STOPPING), if there is one. */
export function pendingStop(status: TrialStatus | undefined): string | undefined {
  if (status?.phase !== "EarlyStopped") return undefined;
  return status.conditions?.some((c) => c.type === STOPPING && c.status === "True") ? (status.reason ?? "stopped") : undefined;
}

/** A Trial's conditions now: Stopping while a stop is in progress, False once the trial is settled. */
function trialConditions(view: TrialView, stop: StopRequest | undefined, previous: TrialStatus | undefined, now: string): TrialStatus["conditions"] {
  const before = previous?.conditions ?? [];
  if (stop && !isFinished(view.phase)) return setCondition(before, { type: STOPPING, status: "True", reason: "StopRequested", message: "the trial was told to stop; waiting for its Pod to exit and its last reports to arrive" }, now);
  if (before.some((c) => c.type === STOPPING)) return setCondition(before, { type: STOPPING, status: "False", reason: "Settled", message: "the Pod exited and its reports are in" }, now);
  return previous?.conditions;
}

/** A trial's values, outcome metrics and feasibility, as its status shows them (absent where the job has none). */
function outcomeStatus(view: TrialView): Pick<TrialStatus, "values" | "valueMetrics" | "feasible" | "infeasibleReason"> {
  const out: Pick<TrialStatus, "values" | "valueMetrics" | "feasible" | "infeasibleReason"> = {};
  if (view.values !== undefined) out.values = view.values;
  if (view.valueMetrics !== undefined) out.valueMetrics = boundedMetrics(view.valueMetrics);
  if (view.feasible !== undefined) out.feasible = view.feasible;
  if (view.infeasibleReason !== undefined) out.infeasibleReason = boundedText(view.infeasibleReason);
  return out;
}

/** What a Trial's status should say now, from the engine's view, a pending stop and the stored status. */
export function trialStatus(input: { view: TrialView; stop?: StopRequest; previous?: TrialStatus; metricNames: ReadonlySet<string> | null; now: string }): TrialStatus {
  const { view, stop, previous, now } = input;
  const phase = shownPhase(view, stop);
  const status: TrialStatus = { phase, podName: attemptPodName(view) };
  // A Trial not started yet says only "Pending" (see saysOnlyPending), unless it waits for a retry.
  if (phase !== "Pending" || view.retries) status.attempts = attemptsOf(view);
  if (view.retries) status.retries = view.retries.map((r) => ({ ...r, message: boundedText(r.message, MAX_RETRY_MESSAGE_CHARS) }));
  const reason = view.reason ?? stop?.reason;
  if (reason !== undefined && phase !== "Pending" && phase !== "Running") status.reason = boundedText(reason);
  if (view.value !== undefined) {
    status.value = view.value;
    status.valueText = fmt(view.value);
  }
  Object.assign(status, outcomeStatus(view));
  const names = input.metricNames;
  const metrics = boundedMetrics(view.metrics, previous?.metrics, names === null ? undefined : (k) => names.has(k));
  if (Object.keys(metrics).length > 0) status.metrics = metrics;
  // thinCurve copies it, so filter only when there is something to drop.
  const curve = view.curve.every((p) => Number.isFinite(p.value)) ? view.curve : view.curve.filter((p) => Number.isFinite(p.value));
  const last = curve[curve.length - 1];
  if (last) status.lastStep = last.step;
  else if (previous?.lastStep !== undefined) status.lastStep = previous.lastStep;
  if (curve.length > 0) status.curve = thinCurve(curve, MAX_CURVE_POINTS);
  else if (previous?.curve) status.curve = previous.curve;
  const startTime = previous?.startTime ?? (phase === "Pending" ? undefined : now);
  if (startTime !== undefined) status.startTime = startTime;
  const completionTime = previous?.completionTime ?? (isFinished(phase) ? (stop?.at ?? now) : undefined);
  if (completionTime !== undefined && isFinished(phase)) status.completionTime = completionTime;
  const conditions = trialConditions(view, stop, previous, now);
  if (conditions) status.conditions = conditions;
  return status;
}

/**
 * Whether a Trial status says no more than "Pending": a Trial without status is Pending (a restarted
 * controller reads it so, and the job's counts say it), so such a status is never patched, saving one
 * API write per trial.
 */
export function saysOnlyPending(s: TrialStatus): boolean {
  return s.phase === "Pending" && Object.keys(s).every((k) => k === "phase" || k === "podName");
}

/** Names of trials created together, as one Event says them: `j-00003…j-00018` when consecutive. */
export function createdSummary(trials: readonly { name: string; index: number }[]): string {
  const sorted = [...trials].sort((a, b) => a.index - b.index);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || !last) return "created no trials";
  if (sorted.length === 1) return `created trial ${first.name}`;
  const consecutive = last.index - first.index === sorted.length - 1;
  return `created ${sorted.length} trials: ${consecutive ? `${first.name}…${last.name}` : sorted.map((t) => t.name).join(", ")}`;
}

/** What a TuningJob's status should say now. */
export function jobStatus(input: {
  previous?: TuningJobStatus;
  generation?: number;
  trials: readonly TrialView[];
  end: JobEnd | null;
  best?: TrialView;
  /** Multi-objective jobs: the front (engine/front.ts); its members go into status.paretoFront. */
  front?: Front;
  maxTrials: number;
  now: string;
}): TuningJobStatus {
  const { previous, trials, end, now } = input;
  const counts = trialCounts(trials);
  const phase = end ? end.phase : trials.length > 0 ? "Running" : "Pending";
  let conditions = previous?.conditions ?? [];
  const running = phase === "Running" || phase === "Pending";
  conditions = setCondition(conditions, { type: "Running", status: running ? "True" : "False", reason: running ? "TrialsRunning" : (end?.reason ?? "Finished"), message: running ? `${counts.running + counts.pending} trials active, ${progress(trials, input.maxTrials)} finished` : boundedText(end?.message ?? "") }, now);
  conditions = setCondition(conditions, { type: "Succeeded", status: end?.phase === "Succeeded" ? "True" : end ? "False" : "Unknown", reason: end?.reason ?? "InProgress", message: boundedText(end?.message ?? "the job is still running") }, now);
  conditions = setCondition(conditions, { type: "Failed", status: end?.phase === "Failed" ? "True" : "False", reason: end?.phase === "Failed" ? end.reason : "NoFailure", message: end?.phase === "Failed" ? boundedText(end.message) : "" }, now);
  if (input.generation !== undefined) conditions = conditions.map((c) => ({ ...c, observedGeneration: input.generation }));
  const status: TuningJobStatus = {
    phase,
    conditions,
    trials: counts,
    trialsCreated: trials.length,
    retries: trials.reduce((n, t) => n + (t.retries?.length ?? 0), 0),
    progress: progress(trials, input.maxTrials),
    startTime: previous?.startTime ?? now,
  };
  if (input.generation !== undefined) status.observedGeneration = input.generation;
  if (end) {
    status.reason = end.reason;
    status.message = boundedText(end.message);
    status.completionTime = previous?.completionTime ?? now;
  }
  const best = input.best;
  if (best?.value !== undefined) {
    const b: BestTrial = { name: best.name, params: best.params, value: best.value };
    const metrics = boundedMetrics(best.metrics);
    if (Object.keys(metrics).length > 0) b.metrics = metrics;
    status.bestTrial = b;
  }
  if (input.front) {
    status.paretoFront = input.front.members.slice(0, MAX_FRONT_TRIALS).map((m) => ({ name: m.name, values: m.values, params: m.params }));
    status.paretoFrontSize = input.front.size;
  }
  return status;
}

/** Deep equality of JSON values, ignoring key order (so an unchanged status is not patched again). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameJson(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bkeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return keys.length === bkeys.length && keys.every((k) => sameJson(ao[k], bo[k]));
}
