import { z } from "zod";
import { MAX_RETRIES } from "./trial.ts";

const count = (what: string) => z.int({ error: `must be a whole number (${what})` });

/** How many trials to run in all, at once, how many may fail before the job fails, and how often one is retried after an infrastructure failure. */
export const Budget = z
  .object({
    maxTrials: count("trials in all").min(1, { error: "must be at least 1" }).max(100000, { error: "must be at most 100000" }),
    parallelTrials: count("trials at once").min(1, { error: "must be at least 1" }).max(1000, { error: "must be at most 1000" }).default(1),
    maxFailedTrials: count("failed trials tolerated").min(0, { error: "must be 0 or more" }).default(3),
    // Infrastructure failures (eviction, preemption, a lost node, OOM) are retried as new attempts, not counted as failures.
    maxRetries: count("retries per trial after infrastructure failures")
      .min(0, { error: "must be 0 or more (0 disables retries)" })
      .max(MAX_RETRIES, { error: `must be at most ${MAX_RETRIES}` })
      .default(2),
  })
  .strict()
  .superRefine((b, ctx) => {
    // Only meaningful once maxTrials itself is valid; otherwise its own message says enough.
    if (b.maxTrials >= 1 && b.parallelTrials > b.maxTrials) {
      ctx.addIssue({ code: "custom", path: ["parallelTrials"], message: `must not exceed maxTrials (${b.maxTrials})` });
    }
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "!has(self.parallelTrials) || self.parallelTrials <= self.maxTrials", message: "parallelTrials must not exceed maxTrials" },
    ],
  });

export type Budget = z.infer<typeof Budget>;
