import { MAX_METRIC_NAMES_PER_TRIAL, parseMetricsSubject, type TrialAddress } from "../api/metrics.ts";
import type { ReportMode } from "../engine/tuner.ts";
import { errorText, sampled, type Logger } from "../telemetry/log.ts";
import type { ControllerMetrics, MessageResult } from "../telemetry/metrics.ts";
import type { MetricsTarget, TrialAdmission } from "./metrics-target.ts";
import { createReportVerifier } from "./signature.ts";
import { validateMessage } from "./validate.ts";

/** What became of one message: applied to its job, settled for good (rejected or skipped), or to be retried once its job is loaded. */
export type MessageOutcome = "applied" | "settled" | "retry";

/** Handles one message: its subject, body, the jobs to persist (added to), its signature header and how it is judged. */
export type MessageHandler = (subject: string, data: Uint8Array, jobs: Set<string>, signature?: string, mode?: ReportMode) => MessageOutcome;

/**
 * Checks one metric message and applies it when valid, counting every result and logging rejects;
 * `jobs` collects the jobs (`namespace/job`) whose reports were applied, to persist them together.
 * With a `signingKey`, a report must carry its trial's signature (`signature`, the Kubetune-Signature
 * header), checked before anything else that costs; `mode` is how the report is judged (see
 * ReportMode). The JetStream consumer uses it; bench/ingest's core-NATS comparison feeds it the same way.
 */
export function createMessageHandler(options: { namespaces: readonly string[]; target: MetricsTarget; metrics: ControllerMetrics; log: Logger; signingKey?: Uint8Array }): MessageHandler {
  const { target, metrics, log } = options;
  const watched = new Set(options.namespaces);
  // Bound once: labelling the counter on every accepted report would hash the labels each time.
  const accepted = metrics.metricMessages.labels({ result: "accepted" });
  // Any trial can send a flood of bad messages: each is counted, but only a sample is logged.
  const rejects = sampled(log, { keys: ["reason"] });
  // The trial of the message being handled is asked about once, by whichever check needs it first (the
  // signature's key, or validation): both look at the same subject.
  let admitted: TrialAdmission | undefined;
  const admit = (a: TrialAddress): TrialAdmission => (admitted ??= target.admission(a));
  // Only a running trial has a key; the others are refused (or retried) by validation, for what they are.
  const keyUid = (a: TrialAddress): string | undefined => {
    const t = admit(a);
    return t.state === "running" ? t.uid : undefined;
  };
  const verify = options.signingKey ? createReportVerifier({ signingKey: options.signingKey, trialUid: keyUid }) : undefined;
  const reject = (result: Exclude<MessageResult, "accepted">, detail: string): MessageOutcome => {
    metrics.metricMessages.inc({ result });
    rejects.warn("metric message rejected", { reason: result, detail });
    return "settled";
  };
  return (subject, data, jobs, signature, mode = "live") => {
    // Another controller's namespace: settling it here does not affect that controller's consumer.
    if (watched.size > 1 && !watched.has(subject.split(".")[2] ?? "")) return "settled";
    admitted = undefined;
    let signed = verify === undefined;
    if (verify) {
      const address = parseMetricsSubject(subject);
      const check = address ? verify(address, subject, data, signature) : undefined;
      // No key for the trial: validation says why (unknown, finished, job loading), or it is refused below.
      if (check?.ok === false && check.reason !== "no_key") return reject(check.reason, check.detail);
      signed = check?.ok === true;
    }
    const r = validateMessage(subject, data, admit);
    // The job exists but its state is still being rebuilt: count nothing yet.
    if (!r.ok) return r.reason === "later" ? "retry" : reject(r.reason, r.detail);
    // A running trial whose Trial object is not created yet has no key and no Pod: nobody can speak for it.
    if (!signed) return reject("bad_signature", `message on ${subject} is for trial ${r.address.namespace}/${r.address.trial}, which has no report key yet`);
    try {
      target.apply(r.address, r.message, mode);
    } catch (e) {
      metrics.metricMessages.inc({ result: "trial_not_running" });
      rejects.warn("metric message could not be applied", { job: r.address.job, trial: r.address.trial, error: errorText(e) });
      return "settled";
    }
    if (r.dropped.length > 0) {
      metrics.metricMessages.inc({ result: "names_dropped" });
      rejects.warn("metric names dropped: the trial reached its bound on distinct metric names", { reason: "names_dropped", job: r.address.job, trial: r.address.trial, dropped: r.dropped.length, first: r.dropped[0], bound: MAX_METRIC_NAMES_PER_TRIAL });
    } else accepted.inc();
    jobs.add(`${r.address.namespace}/${r.address.job}`);
    return "applied";
  };
}
