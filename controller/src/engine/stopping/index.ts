/** The early-stopping engine: median stopping rule and ASHA on live learning curves (pure, no I/O). */
export { createStopper } from "./stopper.ts";
export {
  AshaSettings,
  EarlyStoppingSpec,
  MedianSettings,
  NoneSettings,
  STOPPING_NAMES,
  StopperConfig,
  StoppingAlgorithm,
  defaultMinResource,
  settingsSchemaFor,
  stopperConfigFromSpec,
} from "./settings.ts";
export type { StopperConfigInput, StoppingName } from "./settings.ts";
export { CurvePoint, TRIAL_STATES, TrialHistory } from "./types.ts";
export type { Decision, Stopper, TrialState } from "./types.ts";
