/** Runs one optimization study (sequential ask(1)/tell) and records the best value after each trial. */
import { createOptimizer } from "../../controller/src/engine/search/index.ts";
import type { AlgorithmName } from "../../controller/src/engine/search/types.ts";
import { griddedParameters, type Problem } from "./functions.ts";

/** Best value found after each trial (index t = after t + 1 trials); shorter if the space ran out. */
export async function runStudy(problem: Problem, algorithm: AlgorithmName, seed: number, budget: number): Promise<number[] | null> {
  const parameters = algorithm === "grid" ? griddedParameters(problem.parameters, budget) : problem.parameters;
  if (parameters === null) return null;
  const opt = createOptimizer({
    parameters,
    objective: { metric: "f", direction: "minimize" },
    algorithm: { name: algorithm, settings: algorithm === "grid" ? { order: "shuffled" } : {} },
    seed,
  });
  const curve: number[] = [];
  let best = Infinity;
  for (let t = 0; t < budget; t++) {
    const [s] = await opt.ask(1);
    if (!s) break;
    const value = problem.evaluate(s.params);
    opt.tell({ id: s.id, value });
    best = Math.min(best, value);
    curve.push(best);
  }
  return curve;
}

/** Simple regret after `budget` trials (the last value of a shorter curve counts for larger budgets). */
export function regretAt(curve: readonly number[], budget: number, optimum: number): number {
  const best = curve[Math.min(budget, curve.length) - 1] ?? Infinity;
  return Math.max(0, best - optimum);
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
