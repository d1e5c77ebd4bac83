/** Latency of ask(1) at a given number of observations (6-dimensional Hartmann6 history). */
import { performance } from "node:perf_hooks";
import { createOptimizer, type HistoryEntry } from "../../controller/src/engine/search/index.ts";
import { createRng } from "../../controller/src/engine/search/rng.ts";
import type { AlgorithmName } from "../../controller/src/engine/search/types.ts";
import { PROBLEMS } from "./functions.ts";
import { median } from "./study.ts";

/** Median wall time in ms of `repeats` ask(1) calls, each on an optimizer rebuilt from n random observations. */
export async function askLatency(algorithm: AlgorithmName, n: number, repeats: number): Promise<number> {
  const problem = PROBLEMS.find((p) => p.name === "hartmann6");
  if (!problem) throw new Error("hartmann6 is missing from the problem list");
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const rng = createRng(r, n);
    const history: HistoryEntry[] = Array.from({ length: n }, () => {
      const params = Object.fromEntries(problem.parameters.map((p) => [p.name, rng.next()]));
      return { params, value: problem.evaluate(params) };
    });
    const opt = createOptimizer(
      { parameters: problem.parameters, objective: { metric: "f", direction: "minimize" }, algorithm: { name: algorithm, settings: {} }, seed: r },
      history,
    );
    const t0 = performance.now();
    await opt.ask(1);
    times.push(performance.now() - t0);
  }
  return median(times);
}
