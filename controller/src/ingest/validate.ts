import { z } from "zod";
import { isReservedMetricName, isSubjectToken, reservedMetricKey, MAX_MESSAGE_BYTES, MAX_METRIC_NAMES_PER_TRIAL, MAX_METRICS_PER_REPORT, MAX_STEP, METRIC_NAME_PATTERN, MetricMessage, parseMetricsSubject, type TrialAddress } from "../api/metrics.ts";
import type { MessageResult } from "../telemetry/metrics.ts";
import type { TrialAdmission } from "./metrics-target.ts";

/** A message that passed every check, with the trial it belongs to; `dropped` names new metrics past the trial's bound, left out of `message`. */
export interface Accepted {
  ok: true;
  address: TrialAddress;
  message: MetricMessage;
  dropped: string[];
}

/** A message that failed a check: the reason (a metrics label) and what exactly was wrong; "later" means retry it once the job is loaded. */
export interface Rejected {
  ok: false;
  reason: Exclude<MessageResult, "accepted" | "names_dropped"> | "later";
  detail: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A plain JSON object (not an array, not null). */
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Whether a parsed JSON value is a valid MetricMessage as it stands, checked field by field: the hot
 * path of ingestion (the zod schema costs ~10 µs a report). It accepts exactly what MetricMessage does
 * (a test holds the two together); anything else goes to the schema, which says what is wrong.
 */
export function isWellFormedReport(v: unknown): v is MetricMessage {
  if (!isRecord(v)) return false;
  for (const key in v) if (key !== "trial" && key !== "step" && key !== "metrics" && key !== "final") return false;
  const { trial, step, metrics } = v;
  if (typeof trial !== "string" || !isSubjectToken(trial)) return false;
  if (!Number.isSafeInteger(step) || (step as number) < 0 || (step as number) > MAX_STEP) return false;
  if ("final" in v && v.final !== true) return false;
  if (!isRecord(metrics)) return false;
  let count = 0;
  for (const name in metrics) {
    if (++count > MAX_METRICS_PER_REPORT || !METRIC_NAME_PATTERN.test(name) || isReservedMetricName(name)) return false;
    const value = metrics[name];
    if (typeof value !== "number" || !Number.isFinite(value)) return false;
  }
  return true;
}

/**
 * Keeps the metrics of a report within the trial's bound: names it already has always pass, new ones
 * only while the trial has fewer than MAX_METRIC_NAMES_PER_TRIAL names; returns the rest as dropped.
 */
export function boundMetricNames(metrics: Readonly<Record<string, number>>, known: Readonly<Record<string, number>>, bound = MAX_METRIC_NAMES_PER_TRIAL): { metrics: Record<string, number>; dropped: string[] } {
  let fresh: string[] | undefined;
  for (const name in metrics) if (!Object.hasOwn(known, name)) (fresh ??= []).push(name);
  // The common case (no new name, or room for all): the report as it is.
  if (!fresh) return { metrics: metrics as Record<string, number>, dropped: [] };
  const room = bound - Object.keys(known).length;
  if (fresh.length <= room) return { metrics: metrics as Record<string, number>, dropped: [] };
  const dropped = new Set(fresh.slice(Math.max(0, room)));
  const kept: Record<string, number> = {};
  for (const name in metrics) if (!dropped.has(name)) kept[name] = metrics[name] as number;
  return { metrics: kept, dropped: [...dropped] };
}

/** How many metrics the report carries, when it carries a metrics object. */
function metricCount(v: unknown): number {
  return isRecord(v) && isRecord(v.metrics) ? Object.keys(v.metrics).length : 0;
}

/**
 * Checks one NATS metric message (ARCHITECTURE.md rules): size, subject form, JSON, schema, finite
 * numbers, bounds (metrics per report, step), subject matching the body, and the trial existing and
 * running (`admission`, asked last); the names a running trial has already reported bound its new ones
 * (past the bound they are dropped, see boundMetricNames).
 */
export function validateMessage(subject: string, data: Uint8Array, admission: (a: TrialAddress) => TrialAdmission): Accepted | Rejected {
  if (data.byteLength > MAX_MESSAGE_BYTES) return { ok: false, reason: "too_large", detail: `message on ${subject} is ${data.byteLength} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit` };
  const address = parseMetricsSubject(subject);
  if (!address) return { ok: false, reason: "bad_subject", detail: `subject ${JSON.stringify(subject.slice(0, 200))} is not kubetune.metrics.<namespace>.<job>.<trial>` };
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(data));
  } catch (e) {
    return { ok: false, reason: "invalid_json", detail: `message on ${subject} is not JSON: ${(e as Error).message.slice(0, 200)}` };
  }
  let message: MetricMessage;
  if (isWellFormedReport(value)) message = value;
  else {
    const count = metricCount(value);
    if (count > MAX_METRICS_PER_REPORT) return { ok: false, reason: "too_many_metrics", detail: `message on ${subject} carries ${count} metrics, over the ${MAX_METRICS_PER_REPORT} a report may carry; report fewer metrics per step` };
    const reserved = reservedMetricKey(value);
    if (reserved !== undefined) return { ok: false, reason: "invalid_schema", detail: `message on ${subject}: metric name ${JSON.stringify(reserved)} is reserved (a property of JavaScript objects); rename the metric` };
    const parsed = MetricMessage.safeParse(value);
    if (!parsed.success) return { ok: false, reason: "invalid_schema", detail: `message on ${subject}: ${z.prettifyError(parsed.error).replaceAll("\n", "; ").slice(0, 400)}` };
    message = parsed.data;
  }
  if (message.trial !== address.trial) return { ok: false, reason: "subject_mismatch", detail: `message on ${subject} names trial ${JSON.stringify(message.trial)}, but the subject names ${address.trial}` };
  const trial = admission(address);
  if (trial.state === "unknown") return { ok: false, reason: "unknown_trial", detail: `no trial ${address.namespace}/${address.trial} of job ${address.job} is known to this controller` };
  if (trial.state === "later") return { ok: false, reason: "later", detail: `job ${address.namespace}/${address.job} is not loaded yet` };
  if (trial.state !== "running") return { ok: false, reason: "trial_not_running", detail: `trial ${address.namespace}/${address.trial} has already finished` };
  const have = trial.metrics;
  if (!have) return { ok: true, address, message, dropped: [] };
  const bounded = boundMetricNames(message.metrics, have);
  return { ok: true, address, message: bounded.dropped.length > 0 ? { ...message, metrics: bounded.metrics } : message, dropped: bounded.dropped };
}
