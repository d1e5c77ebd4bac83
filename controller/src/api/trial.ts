import { z } from "zod";
import { Condition, GROUP_VERSION, ObjectMeta } from "./meta.ts";
import { MAX_OBJECTIVES } from "./job-objectives.ts";

/** Most learning-curve points kept on a Trial; longer curves are thinned so objects stay small. */
export const MAX_CURVE_POINTS = 200;
/** Longest reason or message kept on a status, in characters (a Pod's termination message, an API server's refusal). */
export const MAX_REASON_CHARS = 1024;
/**
 * Most bytes of a Trial status as the controller writes it (JSON): the worst case of the bounds on
 * metric names (MAX_METRIC_NAMES_PER_TRIAL, 128 characters each), curve points and reasons, with room
 * to spare; a unit test (status.test.ts) builds that worst case. The API server takes request bodies
 * up to 3 MiB and etcd objects up to 1.5 MiB, so a Trial (status, its managedFields, a spec of at most
 * 64 parameters) stays far below both.
 */
export const TRIAL_STATUS_MAX_BYTES = 80 * 1024;

export const TRIAL_PHASES = ["Pending", "Running", "Succeeded", "Failed", "EarlyStopped"] as const;
export type TrialPhase = (typeof TRIAL_PHASES)[number];

/** One point of a learning curve: the objective metric at a step (an integer ≥ 0). */
export const CurvePoint = z.object({
  step: z.int({ error: "must be a whole number ≥ 0" }).min(0, { error: "must be a whole number ≥ 0" }),
  value: z.number({ error: "must be a finite number (NaN and ±Infinity are not stored)" }),
});
export type CurvePoint = z.infer<typeof CurvePoint>;

/**
 * Failures of the infrastructure rather than the trial's code: the Pod was evicted, preempted, lost with
 * its node, or its container was OOM-killed. Such a trial is retried (budget.maxRetries).
 */
export const INFRA_FAILURES = ["Evicted", "OOMKilled", "Preempted", "NodeLost"] as const;
export type InfraFailure = (typeof INFRA_FAILURES)[number];

/** Most retries a trial may have (budget.maxRetries is at most this), so a status stays bounded. */
export const MAX_RETRIES = 10;
/** Longest message kept per retry on a Trial status (its Event has up to MAX_REASON_CHARS). */
export const MAX_RETRY_MESSAGE_CHARS = 256;

/** One attempt of a trial that ended with an infrastructure failure and was retried. */
export const TrialRetry = z.object({
  attempt: z.int().min(1).meta({ description: "The attempt that failed (1 is the first Pod)." }),
  reason: z.enum(INFRA_FAILURES),
  message: z.string().max(MAX_RETRY_MESSAGE_CHARS).meta({ description: "What the kubelet or the API server said about it (its Event has more)." }),
  lastStep: z.int().min(0).optional().meta({ description: "The curve's last step when it failed: the next attempt's reports up to it are not recorded again." }),
});
export type TrialRetry = z.infer<typeof TrialRetry>;

/** One suggestion of the search algorithm, to be evaluated by one trial Pod. */
export const TrialSpec = z.object({
  index: z.int().min(0).meta({ description: "Ordinal of the trial within its job; the Pod is named <job>-<index, 5 digits>." }),
  params: z.record(z.string(), z.union([z.number(), z.string()])).meta({ "x-kubernetes-preserve-unknown-fields": true }),
});

/** What the controller records about a trial; enough to rebuild search and stopping state after a restart. */
export const TrialStatus = z.object({
  phase: z.enum(TRIAL_PHASES).optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  podName: z.string().optional().meta({ description: "The Pod of the current attempt: <trial> for the first, <trial>-a<n> for attempt n." }),
  attempts: z.int().min(1).optional().meta({ description: "Attempts so far (1 + retries after infrastructure failures)." }),
  retries: z.array(TrialRetry).max(MAX_RETRIES).optional().meta({ description: "Attempts that ended with an infrastructure failure and were retried, oldest first." }),
  value: z.number().optional().meta({ description: "The trial's objective value." }),
  valueText: z.string().max(32).optional().meta({ description: "The objective value to 4 significant digits, as kubectl get shows it (a number column would print every digit)." }),
  values: z.array(z.number()).max(MAX_OBJECTIVES).optional().meta({ description: "Multi-objective jobs: every objective's value, in spec.objectives order." }),
  valueMetrics: z.record(z.string(), z.number()).optional().meta({ description: "The objective and constraint metrics as of the report that gave the trial its value (its judged objective's best or last report); values and feasibility are read from it." }),
  feasible: z.boolean().optional().meta({ description: "Jobs with constraints: whether the finished trial met every constraint. An infeasible trial is never the best trial nor on the Pareto front." }),
  infeasibleReason: z.string().max(MAX_REASON_CHARS).optional().meta({ description: "The constraints an infeasible trial broke." }),
  metrics: z.record(z.string(), z.number()).optional().meta({ description: "Last reported value of each recorded metric." }),
  lastStep: z.int().min(0).optional(),
  curve: z.array(CurvePoint).max(MAX_CURVE_POINTS).optional(),
  conditions: z.array(Condition).max(16).optional(),
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
});

/** A Trial object. */
export const Trial = z.object({
  apiVersion: z.literal(GROUP_VERSION, { error: `must be "${GROUP_VERSION}"` }),
  kind: z.literal("Trial"),
  metadata: ObjectMeta,
  spec: TrialSpec,
  status: TrialStatus.optional(),
});

export type TrialSpec = z.infer<typeof TrialSpec>;
export type TrialStatus = z.infer<typeof TrialStatus>;
export type Trial = z.infer<typeof Trial>;
