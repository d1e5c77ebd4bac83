import { z } from "zod";
import { createBayesian } from "./bayesian/index.ts";
import { createGridSearch } from "./grid.ts";
import { createRandomSearch } from "./random.ts";
import { BayesianSettings, GridSettings, RandomSettings, SETTINGS_BY_ALGORITHM, SobolSettings, TpeSettings } from "../../api/search-settings.ts";
import { createSobolSearch } from "./sobol.ts";
import type { Space } from "./space.ts";
import { createTpe } from "./tpe.ts";
import type { Algorithm, AlgorithmName } from "./types.ts";

/** Turns zod issues about settings into one message naming each offending setting and what is allowed. */
function describeIssues(name: AlgorithmName, error: z.ZodError): string {
  const known = Object.keys(SETTINGS_BY_ALGORITHM[name].shape);
  const lines = error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const list = known.length ? `known settings: ${known.join(", ")}` : `${name} takes no settings`;
      return issue.keys.map((k) => `unknown setting "${k}" (${list})`).join("; ");
    }
    const where = issue.path.length ? `setting "${issue.path.join(".")}"` : "settings";
    return `${where}: ${issue.message}`;
  });
  return `invalid settings for search algorithm "${name}": ${lines.join("; ")}`;
}

/** Validates an algorithm's settings against its schema (applying defaults); throws a message naming each bad setting. */
export function parseSettings<S extends z.ZodType>(name: AlgorithmName, schema: S, settings: unknown): z.output<S> {
  const result = schema.safeParse(settings ?? {});
  if (!result.success) throw new Error(describeIssues(name, result.error));
  return result.data;
}

/** Builds the named algorithm over a space for a job with `objectives` objectives, validating its settings first. */
export function createAlgorithm(name: AlgorithmName, settings: unknown, space: Space, seed: number, objectives = 1): Algorithm {
  switch (name) {
    case "grid":
      return createGridSearch(space, parseSettings(name, GridSettings, settings), seed);
    case "random":
      parseSettings(name, RandomSettings, settings);
      return createRandomSearch(space, seed);
    case "sobol":
      return createSobolSearch(space, parseSettings(name, SobolSettings, settings), seed);
    case "tpe":
      return createTpe(space, parseSettings(name, TpeSettings, settings), seed, objectives);
    case "bayesian":
      return createBayesian(space, parseSettings(name, BayesianSettings, settings));
  }
}
