/** kubetune/search: ask/tell hyperparameter optimizers (grid, random, sobol, tpe, bayesian), single- and multi-objective. */
export { createOptimizer, HistoryEntry, OptimizerConfig, RebuildOptions, TellInput } from "./optimizer.ts";
export type { Best, FrontMember, Optimizer, Suggestion } from "./optimizer.ts";
export { SearchSpec, GridSettings, RandomSettings, SobolSettings, TpeSettings, BayesianSettings, SETTINGS_BY_ALGORITHM } from "../../api/search-settings.ts";
export { Constraint, Constraints, ObjectiveMetric, Objectives } from "../../api/objective.ts";
export { parseSettings } from "./algorithms.ts";
export { createSpace } from "./space.ts";
export type { Space, Dimension, DimensionKind } from "./space.ts";
export { crowdingDistances, dominates, nondominatedRanks, paretoIndices } from "./pareto.ts";
export { hypervolume, hypervolumeContributions } from "./hypervolume.ts";
export { violationOf } from "./orientation.ts";
export { ALGORITHM_NAMES } from "./types.ts";
export type { Algorithm, AlgorithmName, Observation, SuggestRequest } from "./types.ts";
