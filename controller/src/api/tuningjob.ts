import { z } from "zod";
import { Parameters } from "./parameters.ts";
import { Constraints, Objective, Objectives } from "./objective.ts";
import { MAX_OBJECTIVES, objectivesProblems } from "./job-objectives.ts";
import { Budget } from "./budget.ts";
import { TrialTemplate, conditionalReferenceProblem, isResourceTemplate, paramReferences } from "./template.ts";
import { MetricsCollector, collectorTemplateProblem } from "./metrics-collector.ts";
import { Condition, GROUP_VERSION, JOB_NAME_RULES, ObjectMeta, jobNameProblem } from "./meta.ts";
import { SearchSpec } from "./search-settings.ts";
import { EarlyStoppingSpec } from "./stopping-settings.ts";
import { WARM_START_RULES, WarmStartStatus, selfWarmStartProblem } from "./warm-start.ts";

/** What the user asks for: the search space, objective, algorithms, budget and the trial template (a Pod or a resource). */
export const TuningJobSpec = z
  .object({
    objective: Objective.optional(),
    objectives: Objectives.optional(),
    constraints: Constraints.optional(),
    parameters: Parameters.max(64, { error: "must declare at most 64 parameters" }),
    search: SearchSpec,
    earlyStopping: EarlyStoppingSpec.optional(),
    budget: Budget,
    trialTemplate: TrialTemplate,
    metricsCollector: MetricsCollector.optional(),
  })
  .strict()
  // The ${params.x} check has no CEL twin: a regex scan over a whole Pod template is beyond the API
  // server's CEL cost budget, so `kubetune validate` and the controller (job Failed) enforce it.
  .superRefine((spec, ctx) => {
    for (const p of objectivesProblems(spec)) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    // Earlier jobs' trials carry one objective value each: they cannot seed a search over several.
    if (spec.objectives && spec.search.warmStart) {
      ctx.addIssue({ code: "custom", path: ["search", "warmStart"], message: "works with a single objective: earlier trials carry one value, not one per objective; remove warmStart or use spec.objective" });
    }
    if (spec.search.algorithm === "grid") {
      spec.parameters.forEach((p, i) => {
        if (p.type === "double" && p.step === undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["parameters", i, "step"],
            message: `is required for grid search: double parameter "${p.name}" is continuous (add a step, or use another algorithm)`,
          });
        }
      });
    }
    if (spec.metricsCollector) {
      const t = spec.trialTemplate;
      if (isResourceTemplate(t)) {
        ctx.addIssue({ code: "custom", path: ["metricsCollector"], message: `works with a Pod trialTemplate only (its sidecar joins the trial's Pod); a ${t.resource.kind} trial reports through the SDK, so remove metricsCollector or use a Pod template` });
      } else {
        const problem = collectorTemplateProblem(spec.metricsCollector, t.spec.containers[0]);
        if (problem) ctx.addIssue({ code: "custom", path: ["trialTemplate", "spec", "containers", 0, "command"], message: problem });
      }
    }
    const declared = new Set(spec.parameters.map((p) => p.name));
    for (const ref of paramReferences(spec.trialTemplate, ["trialTemplate"])) {
      if (!declared.has(ref.name)) {
        ctx.addIssue({
          code: "custom",
          path: ref.path,
          message: `references \${params.${ref.name}}, but no parameter "${ref.name}" is declared in spec.parameters`,
        });
      }
      const conditional = conditionalReferenceProblem(spec.parameters, ref);
      if (conditional) ctx.addIssue({ code: "custom", path: ref.path, message: conditional });
    }
  })
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "self.parameters.all(p, self.parameters.exists_one(q, q.name == p.name))",
        message: "parameter names must be unique",
      },
      {
        rule: "self.parameters.all(p, !has(p.when) || self.parameters.exists(q, q.name == p.when.parameter))",
        message: "when.parameter must name a declared parameter",
      },
      {
        rule: "self.search.algorithm != 'grid' || self.parameters.all(p, p.type != 'double' || has(p.step))",
        message: "grid search needs a step on every double parameter",
      },
      {
        rule: "has(self.objective) != has(self.objectives)",
        message: "set exactly one of spec.objective (one metric) and spec.objectives (2 to 4 metrics)",
      },
      {
        rule: "!has(self.earlyStopping) || !has(self.earlyStopping.settings) || !has(self.earlyStopping.settings.metric) || (has(self.objectives) ? self.objectives.exists(o, o.metric == self.earlyStopping.settings.metric) : (has(self.objective) && self.objective.metric == self.earlyStopping.settings.metric))",
        message: "spec.earlyStopping.settings.metric must name an objective metric",
      },
      // Transition rules: existing trials were suggested and judged under these fields, so only
      // budget and trialTemplate (which affects new trials only) may change on a live job.
      ...(["parameters", "search"] as const).map((field) => ({
        rule: `self.${field} == oldSelf.${field}`,
        message: `spec.${field} cannot change once the job exists (its trials were suggested and judged under it); create a new TuningJob`,
      })),
      ...(["objective", "objectives", "constraints"] as const).map((field) => ({
        rule: `has(self.${field}) == has(oldSelf.${field}) && (!has(self.${field}) || self.${field} == oldSelf.${field})`,
        message: `spec.${field} cannot change once the job exists (its trials were judged under it); create a new TuningJob`,
      })),
      {
        rule: "has(self.earlyStopping) == has(oldSelf.earlyStopping) && (!has(self.earlyStopping) || self.earlyStopping == oldSelf.earlyStopping)",
        message: "spec.earlyStopping cannot change once the job exists; create a new TuningJob",
      },
    ],
  });

const TrialCounts = z.object({
  pending: z.int().min(0).default(0),
  running: z.int().min(0).default(0),
  succeeded: z.int().min(0).default(0),
  failed: z.int().min(0).default(0),
  earlyStopped: z.int().min(0).default(0),
});

/** The best trial so far, copied into the job status. */
export const BestTrial = z.object({
  name: z.string(),
  params: z.record(z.string(), z.union([z.number(), z.string()])).meta({ "x-kubernetes-preserve-unknown-fields": true }),
  value: z.number(),
  metrics: z.record(z.string(), z.number()).optional(),
});

/** Most trials a job status lists on its Pareto front (engine/front.ts keeps the best-ranked). */
export const MAX_FRONT_TRIALS = 32;

/** One trial on a multi-objective job's Pareto front, copied into the job status. */
export const FrontTrial = z.object({
  name: z.string(),
  values: z.array(z.number()).max(MAX_OBJECTIVES).meta({ description: "Every objective's value, in spec.objectives order." }),
  params: z.record(z.string(), z.union([z.number(), z.string()])).meta({ "x-kubernetes-preserve-unknown-fields": true }),
});

export const JOB_PHASES = ["Pending", "Running", "Succeeded", "Failed"] as const;

/** What the controller reports about a job. */
export const TuningJobStatus = z.object({
  phase: z.enum(JOB_PHASES).optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  observedGeneration: z.int().optional(),
  conditions: z.array(Condition).max(16).optional(),
  trials: TrialCounts.optional(),
  trialsCreated: z.int().min(0).optional().meta({ description: "Trials created so far; the next trial's index." }),
  retries: z.int().min(0).optional().meta({ description: "Trial attempts retried after infrastructure failures (eviction, preemption, a lost node, OOM), over all trials." }),
  progress: z.string().optional().meta({ description: "Finished trials / maxTrials, for kubectl get." }),
  bestTrial: BestTrial.optional().meta({ description: "Single-objective jobs: the best feasible trial so far." }),
  paretoFront: z.array(FrontTrial).max(MAX_FRONT_TRIALS).optional().meta({ description: `Multi-objective jobs: the feasible, non-dominated trials, at most ${MAX_FRONT_TRIALS} (a wider front keeps its extremes and least crowded members), sorted by the first objective.` }),
  paretoFrontSize: z.int().min(0).optional().meta({ description: "Multi-objective jobs: trials on the whole Pareto front (paretoFront lists at most 32)." }),
  warmStart: WarmStartStatus.optional(),
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
});

/** A TuningJob manifest. */
export const TuningJob = z
  .object({
    apiVersion: z.literal(GROUP_VERSION, { error: `must be "${GROUP_VERSION}"` }),
    kind: z.literal("TuningJob"),
    metadata: ObjectMeta.superRefine((m, ctx) => {
      const problem = jobNameProblem(m.name);
      if (problem) ctx.addIssue({ code: "custom", path: ["name"], message: problem });
    }),
    spec: TuningJobSpec,
    status: TuningJobStatus.optional(),
  })
  .superRefine((job, ctx) => {
    const self = selfWarmStartProblem(job.metadata.name, job.spec.search.warmStart);
    if (self) ctx.addIssue({ code: "custom", path: ["spec", "search", "warmStart", "jobs", self.index], message: self.message });
  })
  .meta({ "x-kubernetes-validations": [...JOB_NAME_RULES, ...WARM_START_RULES] });

export type TuningJobSpec = z.infer<typeof TuningJobSpec>;
export type TuningJobStatus = z.infer<typeof TuningJobStatus>;
export type TuningJob = z.infer<typeof TuningJob>;
export type BestTrial = z.infer<typeof BestTrial>;
export type FrontTrial = z.infer<typeof FrontTrial>;
