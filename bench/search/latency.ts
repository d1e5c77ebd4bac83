/** Latency of ask(1) at a given number of observations (6-dimensional Hartmann6 history). */
import { performance } from "node:perf_hooks";
import { createOptimizer, type HistoryEntry } from "../../controller/src/engine/search/index.ts";
import { createRng } from "../../controller/src/engine/search/rng.ts";
import type { AlgorithmName } from "../../controller/src/engine/search/types.ts";
import { PROBLEMS } from "./functions.ts";
import { median } from "./study.ts";

/** Median ask(1) times in ms: "cold" = first ask of an optimizer rebuilt from n random observations (after a restart); "warm" = the asks that follow in a running job (each told before the next). */
export async function askLatency(algorithm: AlgorithmName, n: number, repeats: number): Promise<{ cold: number; warm: number }> {
  const problem = PROBLEMS.find((p) => p.name === "hartmann6");
  if (!problem) throw new Error("hartmann6 is missing from the problem list");
  const cold: number[] = [];
  const warm: number[] = [];
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
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      const [s] = await opt.ask(1);
      (k === 0 ? cold : warm).push(performance.now() - t0);
      if (s) opt.tell({ id: s.id, value: problem.evaluate(s.params) });
    }
  }
  return { cold: median(cold), warm: median(warm) };
}
