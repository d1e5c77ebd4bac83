import { z } from "zod";
import { EarlyStoppingSpec, StoppingAlgorithm } from "../../api/stopping-settings.ts";

/** Everything `createStopper` needs: the rule, the objective's direction, and its metric name for messages. */
export const StopperConfig = z.strictObject({
  algorithm: StoppingAlgorithm,
  direction: z.enum(["minimize", "maximize"], { error: 'must be "minimize" or "maximize"' }),
  metric: z.string().min(1, { error: "must not be empty" }).optional(),
});
export type StopperConfig = z.infer<typeof StopperConfig>;
/** What callers may pass to `createStopper` (settings may be partial; defaults are filled in). */
export type StopperConfigInput = z.input<typeof StopperConfig>;

/** Builds the engine's config from a TuningJob's `spec.earlyStopping` and `spec.objective`. */
export function stopperConfigFromSpec(spec: z.input<typeof EarlyStoppingSpec> | undefined, objective: { metric: string; direction: "minimize" | "maximize" }): StopperConfig {
  const parsed = EarlyStoppingSpec.parse(spec);
  return StopperConfig.parse({ algorithm: { name: parsed.algorithm, settings: parsed.settings }, direction: objective.direction, metric: objective.metric });
}
