/** The early-stopping rules' settings schemas: part of the TuningJob API (`spec.earlyStopping`), validated by the engine too. */
import { z } from "zod";

/**
 * Fewest points an extrapolation fits (floor, scale, time constant); one more leaves a degree of freedom
 * to measure noise. Defined here, not in the engine's extrapolate.ts, because asha's default grace period depends on it.
 */
export const FIT_POINTS = 3;

/** Names of the early-stopping rules a TuningJob may ask for. */
export const STOPPING_NAMES = ["none", "median", "asha"] as const;
export type StoppingName = (typeof STOPPING_NAMES)[number];

const whole = (what: string, min: number, max: number) =>
  z
    .int({ error: `must be a whole number (${what})` })
    .min(min, { error: `must be at least ${min} (${what})` })
    .max(max, { error: `must be at most ${max} (${what})` });

/** Rejects unknown settings by name, listing the ones the rule understands. */
function strictSettings<S extends z.ZodRawShape>(rule: StoppingName, shape: S) {
  const allowed = Object.keys(shape);
  const known = allowed.length > 0 ? `allowed: ${allowed.join(", ")}` : "it takes no settings";
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown ${rule} setting${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")} (${known})`
        : undefined,
  });
}

/** What `prediction` means, for both rules' CRD descriptions (median `compare`, asha `rankBy`). */
const compareHelp = (classic: string) =>
  `prediction (default): compare what each curve extrapolates to (an exponential decay to a floor, with one standard error of optimism for the trial judged); ${classic}: the classic rule.`;

/** `none` never stops a trial. */
export const NoneSettings = strictSettings("none", {});

/** Which objective the rule judges; the spec checks that it names one (see tuningjob.ts). */
const judgedMetric = z
  .string()
  .min(1, { error: "must name an objective metric" })
  .max(128, { error: "must be at most 128 characters" })
  .optional()
  .meta({ description: "Multi-objective jobs: the objective metric whose learning curve the rule judges (default: the first objective). With one objective it may only name that objective." });

/** The median stopping rule (Golovin et al., Vizier): stop when the best value so far is worse than the median of the completed trials' running averages. */
export const MedianSettings = strictSettings("median", {
  minTrials: whole("completed trials needed before any stop", 1, 10000)
    .default(5)
    .meta({ description: "Trials to compare with (completed ones with runningAverage, others that reached the step with prediction) needed before the rule stops anything." }),
  startStep: whole("warm-up: first step at which a trial may be stopped", 0, 1000000)
    .default(4)
    .meta({ description: "Warm-up: no trial is stopped at a step below this." }),
  interval: whole("steps between checks", 1, 1000000)
    .default(1)
    .meta({ description: "Check at startStep, startStep + interval, ...; a trial that skips a check step is checked at its next report." }),
  compare: z
    .enum(["prediction", "runningAverage"], { error: 'must be "prediction" or "runningAverage" (what the median compares)' })
    .default("prediction")
    .meta({ description: compareHelp("runningAverage") }),
  metric: judgedMetric,
});

const ashaFields = strictSettings("asha", {
  minResource: whole("grace period: the step of the first rung", 1, 1000000)
    .optional()
    .meta({ description: "Grace period: the first rung is at this step. Default: maxResource/η² (two rungs before the end) but at least 4 (enough reports to extrapolate) and below maxResource; without maxResource, the same from the first completed trial's length." }),
  reductionFactor: whole("η: 1/η of each rung continues", 2, 100)
    .default(3)
    .meta({ description: "η: rungs are η times apart and the top 1/η of the values recorded at a rung continue." }),
  maxResource: whole("steps a full trial runs", 1, 1000000)
    .optional()
    .meta({ description: "Steps a full trial runs (its epochs); no rung is placed at or beyond it. Default: the longest completed trial's last step; nothing is judged before a trial completes unless minResource is set." }),
  brackets: whole("hyperband brackets", 1, 10)
    .default(1)
    .meta({ description: "Hyperband brackets: bracket b starts its rungs at minResource·η^b; trials are spread over brackets by name." }),
  rankBy: z
    .enum(["prediction", "value"], { error: 'must be "prediction" or "value" (what a rung ranks)' })
    .default("prediction")
    .meta({ description: compareHelp("value") }),
  metric: judgedMetric,
});

/** Reports a first rung needs for an extrapolation that leaves one degree of freedom to measure noise. */
const GRACE_REPORTS = FIT_POINTS + 1;

/** The grace period when none is given: two rungs before maxResource, but at least GRACE_REPORTS steps and below maxResource; else 1. */
export function defaultMinResource(reductionFactor: number, maxResource: number | undefined): number {
  if (maxResource === undefined) return 1;
  return Math.max(1, Math.min(maxResource - 1, Math.max(GRACE_REPORTS, Math.floor(maxResource / reductionFactor ** 2))));
}

/** Asynchronous successive halving (Li et al., 2020), stop-style: rungs at minResource·η^k steps. */
export const AshaSettings = ashaFields
  .superRefine((s, ctx) => {
    if (s.maxResource === undefined) return;
    const minResource = s.minResource ?? defaultMinResource(s.reductionFactor, s.maxResource);
    if (s.maxResource <= minResource) {
      ctx.addIssue({ code: "custom", path: ["maxResource"], message: `must be greater than minResource (${minResource}), or the first rung would be the end of every trial` });
      return;
    }
    const firstRungOfLastBracket = minResource * s.reductionFactor ** (s.brackets - 1);
    if (firstRungOfLastBracket >= s.maxResource) {
      ctx.addIssue({
        code: "custom",
        path: ["brackets"],
        message: `is too large: bracket ${s.brackets - 1} would start at step ${firstRungOfLastBracket}, at or past maxResource (${s.maxResource}); lower brackets or minResource, or raise maxResource`,
      });
    }
  })
  // Without maxResource an unset minResource stays unset: the engine defaults both from the first completed trial.
  .transform((s) => ({ ...s, minResource: s.maxResource === undefined ? s.minResource : (s.minResource ?? defaultMinResource(s.reductionFactor, s.maxResource)) }));

export type NoneSettings = z.infer<typeof NoneSettings>;
export type MedianSettings = z.infer<typeof MedianSettings>;
export type AshaSettings = z.infer<typeof AshaSettings>;

const SETTINGS = { none: NoneSettings, median: MedianSettings, asha: AshaSettings } as const;

/** The settings schema of one rule, e.g. for the CLI to explain a rule's options. */
export function settingsSchemaFor<N extends StoppingName>(name: N): (typeof SETTINGS)[N] {
  return SETTINGS[name];
}

const NAME_ERROR = { error: `must be one of ${STOPPING_NAMES.map((n) => `"${n}"`).join(", ")}` };

const SETTING_KEYS: Record<StoppingName, string[]> = {
  none: Object.keys(NoneSettings.shape),
  median: Object.keys(MedianSettings.shape),
  asha: Object.keys(ashaFields.shape),
};
const settingKeys = (name: StoppingName): string[] => SETTING_KEYS[name];

/** CEL for the CRD: unknown keys are pruned by the API server, but another rule's settings must be refused. */
function foreignKeysRule(name: StoppingName): { rule: string; message: string } {
  const own = settingKeys(name);
  // Keys several rules share (metric) are never foreign.
  const foreign = [...new Set(STOPPING_NAMES.filter((n) => n !== name).flatMap(settingKeys))].filter((k) => !own.includes(k));
  return {
    rule: `self.algorithm != '${name}' || !has(self.settings) || (${foreign.map((k) => `!has(self.settings.${k})`).join(" && ")})`,
    message: own.length > 0 ? `settings of ${name} may only contain ${own.join(", ")}` : `${name} takes no settings`,
  };
}

/** `spec.earlyStopping` of a TuningJob, as written in YAML: `{algorithm: asha, settings: {minResource: 1}}`. */
export const EarlyStoppingSpec = z
  .discriminatedUnion(
    "algorithm",
    [
      z.strictObject({ algorithm: z.literal("none"), settings: NoneSettings.default({}) }),
      z.strictObject({ algorithm: z.literal("median"), settings: MedianSettings.default(MedianSettings.parse({})) }),
      z.strictObject({ algorithm: z.literal("asha"), settings: AshaSettings.default(AshaSettings.parse({})) }),
    ],
    NAME_ERROR,
  )
  .default({ algorithm: "none", settings: {} })
  .meta({
    description: "Which early-stopping rule judges running trials on their learning curves: none, median or asha.",
    "x-kubernetes-validations": [
      ...STOPPING_NAMES.map(foreignKeysRule),
      {
        rule: "self.algorithm != 'asha' || !has(self.settings) || !has(self.settings.maxResource) || self.settings.maxResource > (has(self.settings.minResource) ? self.settings.minResource : 1)",
        message: "asha maxResource must be greater than minResource",
      },
    ],
  });

export type EarlyStoppingSpec = z.infer<typeof EarlyStoppingSpec>;

/** A rule and its settings, as the engine takes them: `{name: "asha", settings: {}}`. */
export const StoppingAlgorithm = z.discriminatedUnion(
  "name",
  [
    z.strictObject({ name: z.literal("none"), settings: NoneSettings.default({}) }),
    z.strictObject({ name: z.literal("median"), settings: MedianSettings.default(MedianSettings.parse({})) }),
    z.strictObject({ name: z.literal("asha"), settings: AshaSettings.default(AshaSettings.parse({})) }),
  ],
  NAME_ERROR,
);
export type StoppingAlgorithm = z.infer<typeof StoppingAlgorithm>;
