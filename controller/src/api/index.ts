export * from "./parameters.ts";
export * from "./objective.ts";
export * from "./budget.ts";
export * from "./template.ts";
export * from "./meta.ts";
export * from "./tuningjob.ts";
export * from "./trial.ts";
export * from "./validate.ts";
