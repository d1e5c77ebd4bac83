import { z } from "zod";

/** JetStream stream that stores every trial's metric reports. */
export const METRICS_STREAM = "KUBETUNE_METRICS";
/** Largest accepted metric message body, in bytes (also the stream's max_msg_size). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Subject prefix of metric reports: `kubetune.metrics.<namespace>.<job>.<trial>`. */
export const METRICS_SUBJECT_PREFIX = "kubetune.metrics";
/** Subject prefix of control (stop) requests: `kubetune.control.<namespace>.<job>.<trial>`. */
export const CONTROL_SUBJECT_PREFIX = "kubetune.control";
/** Prefix that marks a metric report on a local trial's stdout; the rest of the line is the JSON body. */
export const REPORT_LINE_PREFIX = "@@kubetune ";
/** How long JetStream remembers message ids to drop retried publishes (2 minutes, in nanoseconds). */
export const DUPLICATE_WINDOW_NS = 2 * 60 * 1_000_000_000;

// Subject tokens must not contain NATS separators or wildcards; Kubernetes names used here never do.
const TOKEN = /^[A-Za-z0-9_-]+$/;
/** Pattern of a metric name (MetricName). */
export const METRIC_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;
/** Most metric names one report may carry; a report with more is rejected whole (too_many_metrics). */
export const MAX_METRICS_PER_REPORT = 256;
/**
 * Most distinct metric names one trial may report over its life: new names past it are dropped from
 * the report (names_dropped) while names already known still count. With MAX_CURVE_POINTS it bounds
 * the Trial status (status.ts, TRIAL_STATUS_MAX_BYTES).
 */
export const MAX_METRIC_NAMES_PER_TRIAL = 256;
/** Largest step a report may carry (int32, as Kubernetes integer fields): a step is an epoch or iteration count. */
export const MAX_STEP = 2 ** 31 - 1;

/**
 * Names of Object.prototype's properties (`__proto__`, `constructor`, `toString`…): metrics live in
 * plain objects, where `__proto__` cannot be stored as a key and the others read as inherited
 * functions when absent, so such names are refused instead of silently dropped or misread.
 */
export function isReservedMetricName(name: string): boolean {
  return RESERVED_NAMES.has(name);
}
const RESERVED_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * A reserved metric name that a parsed report's `metrics` holds as an own key, if any: JSON.parse makes
 * `__proto__` an own key, and the schema would drop it silently (a report of nothing).
 */
export function reservedMetricKey(report: unknown): string | undefined {
  if (typeof report !== "object" || report === null || !("metrics" in report)) return undefined;
  const metrics = (report as { metrics: unknown }).metrics;
  return typeof metrics === "object" && metrics !== null && !Array.isArray(metrics) ? Object.keys(metrics).find(isReservedMetricName) : undefined;
}

/** Whether a string is a valid NATS subject token (SubjectToken). */
export function isSubjectToken(s: string): boolean {
  return TOKEN.test(s);
}

/** A NATS subject token (namespace, job or trial name): letters, digits, `-` and `_` only. */
export const SubjectToken = z
  .string()
  .regex(TOKEN, { error: "must contain only letters, digits, '-' and '_' (it becomes a NATS subject token)" });

/** Metric name: a short identifier such as `val_loss`. */
export const MetricName = z
  .string()
  .regex(METRIC_NAME_PATTERN, { error: "must start with a letter or '_' and use letters, digits, '_', '.', ':' or '-' (max 128 chars)" })
  .refine((n) => !isReservedMetricName(n), { error: "is a reserved name (a property of JavaScript objects, such as __proto__ or constructor); rename the metric" });

/** One metric report of one trial at one step; `final: true` marks the trial's last report. */
export const MetricMessage = z.strictObject({
  trial: SubjectToken,
  step: z.int().min(0, { error: "step must be an integer ≥ 0" }).max(MAX_STEP, { error: `step must be at most ${MAX_STEP}` }),
  metrics: z
    .record(MetricName, z.number({ error: "metric values must be finite numbers" }))
    .refine((m) => Object.keys(m).length <= MAX_METRICS_PER_REPORT, { error: `a report carries at most ${MAX_METRICS_PER_REPORT} metrics` }),
  final: z.literal(true).optional(),
});
export type MetricMessage = z.infer<typeof MetricMessage>;

/** A request from the controller to a running trial. */
export const ControlMessage = z.strictObject({
  action: z.literal("stop"),
  reason: z.string().max(1024),
});
export type ControlMessage = z.infer<typeof ControlMessage>;

/** Where a trial reports: the three subject tokens. */
export interface TrialAddress {
  namespace: string;
  job: string;
  trial: string;
}

function subject(prefix: string, a: TrialAddress): string {
  for (const [key, value] of Object.entries(a)) {
    const r = SubjectToken.safeParse(value);
    if (!r.success) throw new Error(`${key} ${JSON.stringify(value)} ${r.error.issues[0]?.message ?? "is invalid"}`);
  }
  return `${prefix}.${a.namespace}.${a.job}.${a.trial}`;
}

/** Subject a trial publishes its metric reports on. */
export function metricsSubject(namespace: string, job: string, trial: string): string {
  return subject(METRICS_SUBJECT_PREFIX, { namespace, job, trial });
}

/** Subject a trial listens on for stop requests. */
export function controlSubject(namespace: string, job: string, trial: string): string {
  return subject(CONTROL_SUBJECT_PREFIX, { namespace, job, trial });
}

function parseSubject(prefix: string, s: string): TrialAddress | null {
  if (!s.startsWith(`${prefix}.`)) return null;
  const parts = s.slice(prefix.length + 1).split(".");
  if (parts.length !== 3 || !parts.every((p) => TOKEN.test(p))) return null;
  const [namespace, job, trial] = parts as [string, string, string];
  return { namespace, job, trial };
}

/** Namespace, job and trial of a metrics subject, or null when it is not one. */
export function parseMetricsSubject(s: string): TrialAddress | null {
  return parseSubject(METRICS_SUBJECT_PREFIX, s);
}

/** Namespace, job and trial of a control subject, or null when it is not one. */
export function parseControlSubject(s: string): TrialAddress | null {
  return parseSubject(CONTROL_SUBJECT_PREFIX, s);
}

/**
 * JetStream message id of a report: `<namespace>/<trial>/<step>`, and `<namespace>/<trial>/<step>/final`
 * for the final report — it usually repeats the last step, and must not be dropped as that step's duplicate.
 */
export function messageId(namespace: string, trial: string, step: number, final = false): string {
  return `${namespace}/${trial}/${step}${final ? "/final" : ""}`;
}

/** Serializes a report to its wire body, rejecting invalid or oversized messages. */
export function encodeMetricMessage(m: MetricMessage): string {
  const parsed = MetricMessage.safeParse(m);
  if (!parsed.success) throw new Error(`invalid metric message: ${z.prettifyError(parsed.error)}`);
  const body = JSON.stringify(parsed.data);
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_MESSAGE_BYTES) throw new Error(`metric message is ${bytes} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit; report fewer metrics per step`);
  return body;
}

/** Why a wire body was refused; the same literals as ingestion's rejection reasons (a metrics label). */
export type DecodeFailure = "too_large" | "invalid_json" | "invalid_schema";

/** A decoded wire body, or why it was refused and what exactly was wrong. */
export type Decoded<T> = { ok: true; message: T } | { ok: false; reason: DecodeFailure; detail: string };

/** Validates a wire body (JSON text or bytes) as a metric report. */
export function decodeMetricMessage(body: string | Uint8Array): Decoded<MetricMessage> {
  const bytes = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  if (bytes > MAX_MESSAGE_BYTES) return { ok: false, reason: "too_large", detail: `message is ${bytes} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit` };
  return decodeJson(MetricMessage, typeof body === "string" ? body : new TextDecoder().decode(body), (value) => {
    const reserved = reservedMetricKey(value);
    return reserved === undefined ? undefined : `metric name ${JSON.stringify(reserved)} is reserved (a property of JavaScript objects); rename the metric`;
  });
}

/** Validates a wire body as a control message. */
export function decodeControlMessage(body: string | Uint8Array): Decoded<ControlMessage> {
  return decodeJson(ControlMessage, typeof body === "string" ? body : new TextDecoder().decode(body));
}

/** Parses and validates JSON text; `refuse` names what the schema cannot see in the parsed value (undefined: nothing). */
function decodeJson<T>(schema: z.ZodType<T>, text: string, refuse: (value: unknown) => string | undefined = () => undefined): Decoded<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: "invalid_json", detail: `not JSON: ${(e as Error).message}` };
  }
  const refused = refuse(value);
  if (refused !== undefined) return { ok: false, reason: "invalid_schema", detail: refused };
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, reason: "invalid_schema", detail: z.prettifyError(parsed.error).replaceAll("\n", "; ") };
}

/** The stdout line a local trial writes for one report. */
export function formatReportLine(m: MetricMessage): string {
  return REPORT_LINE_PREFIX + encodeMetricMessage(m);
}

/**
 * What one line of a trial's stdout is: a report, ordinary output (`not_a_report`: every caller asks
 * "is it a report?", so one `ok` test answers it), or a line with the report prefix but an invalid body.
 */
export type ReportLine = Decoded<MetricMessage> | { ok: false; reason: "not_a_report"; detail: string };

/** Parses one line of a local trial's stdout. */
export function parseReportLine(line: string): ReportLine {
  const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (!trimmed.startsWith(REPORT_LINE_PREFIX)) return { ok: false, reason: "not_a_report", detail: `the line does not start with ${JSON.stringify(REPORT_LINE_PREFIX)}` };
  const r = decodeMetricMessage(trimmed.slice(REPORT_LINE_PREFIX.length));
  return r.ok ? r : { ...r, detail: `bad kubetune report line: ${r.detail}` };
}

/** Limits of the metrics stream, so no trial can fill the NATS volume; the oldest reports go first. */
export interface StreamLimits {
  maxAgeSeconds: number;
  maxBytes: number;
  maxMessagesPerSubject: number;
}

/**
 * Defaults of the stream limits (the chart's values): reports matter until the controller has applied
 * them, seconds after they are sent, so a week, 1 GiB and 10,000 reports per trial leave room for a
 * long controller outage and a long run while bounding what a trial can store.
 */
export const DEFAULT_STREAM_LIMITS: StreamLimits = { maxAgeSeconds: 7 * 24 * 3600, maxBytes: 1024 ** 3, maxMessagesPerSubject: 10_000 };
