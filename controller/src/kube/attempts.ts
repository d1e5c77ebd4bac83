import { attemptsOf } from "../engine/retry.ts";
import type { TrialView } from "../engine/job.ts";

/** Label on every trial Pod: which attempt of its trial it runs (1 for the first). */
export const ATTEMPT_LABEL = "kubetune.io/attempt";

/**
 * The Pod of a trial's current attempt: `<trial>` for the first, `<trial>-a<n>` for attempt n. Names are
 * deterministic, so a restarted controller finds (or creates exactly once) the Pod of the attempt its
 * Trial status records.
 */
export function attemptPodName(v: Pick<TrialView, "name" | "retries">): string {
  const attempt = attemptsOf(v);
  return attempt === 1 ? v.name : `${v.name}-a${attempt}`;
}
