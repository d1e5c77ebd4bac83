import { z } from "zod";
import { isSubjectToken, MAX_MESSAGE_BYTES, METRIC_NAME_PATTERN, MetricMessage, parseMetricsSubject, type TrialAddress } from "../api/metrics.ts";
import type { MessageResult } from "../telemetry/metrics.ts";

/** Where a trial stands, as far as accepting its reports goes. */
export type TrialState = "running" | "finished" | "unknown" | "later";

/** A message that passed every check, with the trial it belongs to. */
export interface Accepted {
  ok: true;
  address: TrialAddress;
  message: MetricMessage;
}

/** A message that failed a check: the reason (a metrics label) and what exactly was wrong; "later" means retry it once the job is loaded. */
export interface Rejected {
  ok: false;
  result: Exclude<MessageResult, "accepted"> | "later";
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
  if (!Number.isSafeInteger(step) || (step as number) < 0) return false;
  if ("final" in v && v.final !== true) return false;
  if (!isRecord(metrics)) return false;
  for (const name in metrics) {
    // The schema drops a "__proto__" key instead of keeping it; let it decide.
    if (name === "__proto__" || !METRIC_NAME_PATTERN.test(name)) return false;
    const value = metrics[name];
    if (typeof value !== "number" || !Number.isFinite(value)) return false;
  }
  return true;
}

/**
 * Checks one NATS metric message (ARCHITECTURE.md rules): size, subject form, JSON, schema, finite
 * numbers, subject matching the body, and the trial existing and running.
 */
export function validateMessage(subject: string, data: Uint8Array, trialState: (a: TrialAddress) => TrialState): Accepted | Rejected {
  if (data.byteLength > MAX_MESSAGE_BYTES) return { ok: false, result: "too_large", detail: `message on ${subject} is ${data.byteLength} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit` };
  const address = parseMetricsSubject(subject);
  if (!address) return { ok: false, result: "bad_subject", detail: `subject ${JSON.stringify(subject.slice(0, 200))} is not kubetune.metrics.<namespace>.<job>.<trial>` };
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(data));
  } catch (e) {
    return { ok: false, result: "invalid_json", detail: `message on ${subject} is not JSON: ${(e as Error).message.slice(0, 200)}` };
  }
  let message: MetricMessage;
  if (isWellFormedReport(value)) message = value;
  else {
    const parsed = MetricMessage.safeParse(value);
    if (!parsed.success) return { ok: false, result: "invalid_schema", detail: `message on ${subject}: ${z.prettifyError(parsed.error).replaceAll("\n", "; ").slice(0, 400)}` };
    message = parsed.data;
  }
  if (message.trial !== address.trial) return { ok: false, result: "subject_mismatch", detail: `message on ${subject} names trial ${JSON.stringify(message.trial)}, but the subject names ${address.trial}` };
  const state = trialState(address);
  if (state === "unknown") return { ok: false, result: "unknown_trial", detail: `no trial ${address.namespace}/${address.trial} of job ${address.job} is known to this controller` };
  if (state === "later") return { ok: false, result: "later", detail: `job ${address.namespace}/${address.job} is not loaded yet` };
  if (state === "finished") return { ok: false, result: "trial_not_running", detail: `trial ${address.namespace}/${address.trial} has already finished` };
  return { ok: true, address, message };
}
