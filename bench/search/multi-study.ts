/** Multi-objective studies: sequential ask(1)/tell runs and the hypervolume of their feasible trials. */
import { createOptimizer, hypervolume, violationOf } from "../../controller/src/engine/search/index.ts";
import type { AlgorithmName } from "../../controller/src/engine/search/types.ts";
import type { MultiProblem } from "./multi-problems.ts";

/** One evaluated trial of a multi-objective study. */
export interface MultiTrial {
  values: number[];
  metrics: Record<string, number>;
}

/** Runs `budget` trials of a problem with one of our algorithms; returns every trial in order. */
export async function runMultiStudy(problem: MultiProblem, algorithm: AlgorithmName, seed: number, budget: number): Promise<MultiTrial[]> {
  const opt = createOptimizer({
    parameters: algorithm === "grid" ? problem.parameters.map((p) => ({ ...p, step: 0.1 })) : problem.parameters,
    objectives: Array.from({ length: problem.objectives }, (_, i) => ({ metric: `f${i}`, direction: "minimize" as const })),
    constraints: problem.constraints.length ? problem.constraints : undefined,
    algorithm: { name: algorithm, settings: algorithm === "grid" ? { order: "shuffled" } : {} },
    seed,
  });
  const trials: MultiTrial[] = [];
  for (let t = 0; t < budget; t++) {
    const [s] = await opt.ask(1);
    if (!s) break;
    const result = problem.evaluate(s.params);
    opt.tell({ id: s.id, values: result.values, metrics: result.metrics });
    trials.push(result);
  }
  return trials;
}

/** Hypervolume (against the problem's reference point) of the feasible trials among the first `budget`. */
export function hypervolumeAt(problem: MultiProblem, trials: readonly MultiTrial[], budget: number): number {
  const feasible = trials.slice(0, budget).filter((t) => violationOf(t.metrics, problem.constraints) === 0);
  return hypervolume(feasible.map((t) => t.values), problem.reference);
}
