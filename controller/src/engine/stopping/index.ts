/** The early-stopping engine: median stopping rule and ASHA on live learning curves (pure, no I/O). */
export { createStopper } from "./stopper.ts";
export {
  AshaSettings,
  EarlyStoppingSpec,
  MedianSettings,
  NoneSettings,
  STOPPING_NAMES,
  StoppingAlgorithm,
  defaultMinResource,
  settingsSchemaFor,
} from "../../api/stopping-settings.ts";
export type { StoppingName } from "../../api/stopping-settings.ts";
export { StopperConfig, stopperConfigFromSpec } from "./settings.ts";
export type { StopperConfigInput } from "./settings.ts";
export { CurvePoint } from "../../api/trial.ts";
export { TRIAL_STATES, TrialHistory } from "./types.ts";
export type { Decision, Stopper, TrialState } from "./types.ts";
