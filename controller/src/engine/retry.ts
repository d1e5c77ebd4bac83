import type { InfraFailure, TrialRetry } from "../api/trial.ts";
import type { TrialView } from "./job.ts";

/** An infrastructure failure as a shell saw it: which kind, and what the kubelet or API server said. */
export interface InfraExit {
  reason: InfraFailure;
  message: string;
}

/** How many attempts a trial has had: the first, plus one per retry. */
export function attemptsOf(v: Pick<TrialView, "retries">): number {
  return 1 + (v.retries?.length ?? 0);
}

/**
 * Whether a report at `step` repeats a step an earlier attempt already recorded. A retried trial starts
 * again from its first step (there is no checkpoint to resume from); its curve continues where the
 * failed attempt left it, so reports up to that step are neither recorded again nor judged again (the
 * stopping rule judged those steps once, on the earlier attempt's points).
 */
export function repeatsEarlierAttempt(v: Pick<TrialView, "retries">, step: number): boolean {
  const last = v.retries?.[v.retries.length - 1];
  return last?.lastStep !== undefined && step <= last.lastStep;
}

/** What becomes of a trial whose attempt failed for the infrastructure: another attempt, or a failure once `maxRetries` are spent. */
export function retryOrFail(v: TrialView, failure: InfraExit, maxRetries: number): { retry: TrialRetry } | { fail: string } {
  const attempt = attemptsOf(v);
  if (attempt > maxRetries) {
    const spent = maxRetries === 0 ? "retries are disabled (budget.maxRetries = 0)" : `all ${maxRetries} retries spent (budget.maxRetries = ${maxRetries})`;
    const history = (v.retries ?? []).map((r) => r.reason).concat(failure.reason).join(", ");
    return { fail: `${failure.reason} on attempt ${attempt} of ${attempt} (${history}); ${spent}: ${failure.message}` };
  }
  const lastStep = v.curve[v.curve.length - 1]?.step ?? v.retries?.[v.retries.length - 1]?.lastStep;
  return { retry: { attempt, reason: failure.reason, message: failure.message, ...(lastStep !== undefined ? { lastStep } : {}) } };
}
