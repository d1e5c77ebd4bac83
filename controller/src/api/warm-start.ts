/** Warm start: `spec.search.warmStart` names earlier jobs whose finished trials seed the search, and the status that records them. */
import { z } from "zod";
import { JOB_NAME_PATTERN, MAX_JOB_NAME_LENGTH } from "./meta.ts";

/** Most jobs one job may warm-start from. */
export const MAX_WARM_JOBS = 16;
/**
 * Most warm observations recorded on a job: they live in its status (etcd objects are bounded at
 * ~1.5 MiB; 1000 observations of a few parameters take ~100 KiB), and past the Bayesian optimizer's
 * own conditioning limit (600) more would not change a suggestion much.
 */
export const MAX_WARM_OBSERVATIONS = 1000;

// Pattern and length as a TuningJob's own name (meta.ts), so the CRD checks them too.
const jobName = z
  .string()
  .regex(JOB_NAME_PATTERN, { error: "must name a TuningJob in this namespace: a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit)" })
  .max(MAX_JOB_NAME_LENGTH, { error: `must name a TuningJob in this namespace: at most ${MAX_JOB_NAME_LENGTH} characters` });

/** `spec.search.warmStart`: earlier TuningJobs of the same namespace whose finished trials seed this job's search. */
export const WarmStart = z
  .object({
    jobs: z
      .array(jobName)
      .min(1, { error: "must name at least one TuningJob" })
      .max(MAX_WARM_JOBS, { error: `must name at most ${MAX_WARM_JOBS} TuningJobs` })
      .meta({ "x-kubernetes-list-type": "set" })
      .superRefine((names, ctx) => {
        const seen = new Set<string>();
        names.forEach((n, i) => {
          if (seen.has(n)) ctx.addIssue({ code: "custom", path: [i], message: `duplicate job "${n}"` });
          seen.add(n);
        });
      }),
  })
  .strict();
export type WarmStart = z.infer<typeof WarmStart>;

/** CEL at the TuningJob's root (the only place that sees metadata.name): a job cannot warm-start from itself. */
export const WARM_START_RULES = [
  {
    rule: "!has(self.spec.search.warmStart) || !(self.metadata.name in self.spec.search.warmStart.jobs)",
    message: "spec.search.warmStart.jobs must not name the job itself (its trials are its own history already)",
  },
];

/** The problem with a warm start naming the job itself (path relative to spec.search.warmStart.jobs), or null. */
export function selfWarmStartProblem(job: string, warm: WarmStart | undefined): { index: number; message: string } | null {
  const index = warm?.jobs.indexOf(job) ?? -1;
  if (index < 0) return null;
  return { index, message: `names the job itself ("${job}"); warm-start from earlier jobs (a job's own trials are its history already)` };
}

/** One earlier trial the search is told before this job's own: its parameters and objective value as reported. */
export const WarmObservation = z
  .object({
    trial: z.string().min(1),
    params: z.record(z.string(), z.union([z.number(), z.string()])).meta({ "x-kubernetes-preserve-unknown-fields": true }),
    value: z.number(),
  })
  .strict();
export type WarmObservation = z.infer<typeof WarmObservation>;

/**
 * `status.warmStart`: the observations taken from the earlier jobs, recorded once before the first
 * trial, so that a restarted controller rebuilds the same optimizer even if an earlier job was deleted
 * or extended since.
 */
export const WarmStartStatus = z.object({
  jobs: z.array(z.string()).max(MAX_WARM_JOBS),
  observations: z.array(WarmObservation).max(MAX_WARM_OBSERVATIONS),
  skipped: z.int().min(0).meta({ description: "Finished trials of the earlier jobs that did not fit this job's search space or objective." }),
  skippedReason: z.string().optional().meta({ description: "Why the first skipped trial was skipped." }),
});
export type WarmStartStatus = z.infer<typeof WarmStartStatus>;
