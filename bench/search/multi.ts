/**
 * `npm run bench:search -- --multi`: median hypervolume of our algorithms on the multi-objective
 * problems (multi-problems.ts) at each budget, then ask(1) latency at 100 observations with 2
 * objectives (ZDT1 history, 6 dimensions). --json FILE writes the per-seed hypervolumes for
 * `bench:peers -- --multi --ours FILE`.
 */
import { writeFileSync } from "node:fs";
import { createOptimizer, type HistoryEntry } from "../../controller/src/engine/search/index.ts";
import { createRng } from "../../controller/src/engine/search/rng.ts";
import type { AlgorithmName } from "../../controller/src/engine/search/types.ts";
import { MULTI_PROBLEMS } from "./multi-problems.ts";
import { hypervolumeAt, runMultiStudy } from "./multi-study.ts";
import { median } from "./study.ts";
import { formatTable } from "./table.ts";

/** Per-seed hypervolumes: hv[problem][algorithm][budget]. */
export type MultiResults = Record<string, Record<string, Record<string, number[]>>>;

/** Options of the multi-objective search benchmark. */
export interface MultiSearchOptions {
  seeds: number;
  budgets: number[];
  problems: string[] | undefined;
  algorithms: AlgorithmName[];
  latency: boolean;
  json: string | undefined;
}

/** Median CPU ms of warm ask(1) calls after rebuilding from n ZDT1 observations with 2 objectives. */
async function multiAskLatency(algorithm: AlgorithmName, n: number, repeats: number): Promise<{ cold: number; warm: number }> {
  const problem = MULTI_PROBLEMS.find((p) => p.name === "zdt1")!;
  const cold: number[] = [];
  const warm: number[] = [];
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (let r = 0; r < repeats; r++) {
    const rng = createRng(r, n);
    const history: HistoryEntry[] = Array.from({ length: n }, () => {
      const params = Object.fromEntries(problem.parameters.map((p) => [p.name, rng.next()]));
      return { params, values: problem.evaluate(params).values };
    });
    const opt = createOptimizer(
      { parameters: problem.parameters, objectives: [{ metric: "f1", direction: "minimize" }, { metric: "f2", direction: "minimize" }], algorithm: { name: algorithm }, seed: r },
      history,
    );
    for (let k = 0; k < 4; k++) {
      const c0 = cpu();
      const [s] = await opt.ask(1);
      (k === 0 ? cold : warm).push(cpu() - c0);
      if (s) opt.tell({ id: s.id, values: problem.evaluate(s.params).values });
    }
  }
  return { cold: median(cold), warm: median(warm) };
}

/** Runs the multi-objective benchmark and prints its tables. */
export async function runMultiSearch(o: MultiSearchOptions): Promise<void> {
  const problems = MULTI_PROBLEMS.filter((p) => !o.problems || o.problems.includes(p.name));
  const trials = Math.max(...o.budgets);
  const hv: MultiResults = {};
  const started = Date.now();
  for (const problem of problems) {
    for (const algorithm of o.algorithms) {
      const cell: Record<string, number[]> = {};
      (hv[problem.name] ??= {})[algorithm] = cell;
      for (let seed = 0; seed < o.seeds; seed++) {
        const study = await runMultiStudy(problem, algorithm, seed, trials);
        for (const b of o.budgets) (cell[String(b)] ??= []).push(hypervolumeAt(problem, study, b));
        process.stderr.write(`\r${problem.name} ${algorithm} seed ${seed + 1}/${o.seeds} (${((Date.now() - started) / 1000).toFixed(0)} s)   `);
        // Written after every study, so a long run that is cut short keeps the seeds it finished.
        if (o.json) writeFileSync(o.json, JSON.stringify({ seeds: o.seeds, budgets: o.budgets, algorithms: o.algorithms, results: hv }, null, 1));
      }
    }
  }
  process.stderr.write("\n");
  if (problems.length) {
    console.log(`Median hypervolume over ${o.seeds} seeds (higher is better; feasible trials only)\n`);
    const rows = problems.flatMap((p) => o.budgets.map((b) => [p.name, `[${p.reference.join(", ")}]`, String(b), ...o.algorithms.map((a) => median(hv[p.name]![a]![String(b)]!).toPrecision(4))]));
    console.log(formatTable(["problem", "reference", "budget", ...o.algorithms], rows));
  }
  if (!o.latency) return;
  const rows: string[][] = [];
  for (const a of o.algorithms.filter((x) => x === "bayesian" || x === "tpe")) {
    const t = await multiAskLatency(a, 100, 3);
    rows.push([a, t.warm.toFixed(1), t.cold.toFixed(1)]);
  }
  console.log(`\nMedian ask(1) CPU time in ms at 100 observations, 2 objectives (ZDT1, 6 dimensions); warm = in a running job, cold = first ask after a rebuild\n`);
  console.log(formatTable(["algorithm", "warm cpu", "cold cpu"], rows));
}
