/**
 * `npm run bench:peers -- --multi`: median hypervolume of our algorithms and Optuna's multi-objective
 * samplers (TPE, NSGA-II, GP; constraints through constraints_func) on the problems of
 * bench/search/multi-problems.ts, same seeds. Finished Optuna studies are cached like the
 * single-objective ones (bench/peers/.cache/optuna-multi), so an interrupted run resumes.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { z } from "zod";
import { createRng } from "../../controller/src/engine/search/rng.ts";
import { createSpace } from "../../controller/src/engine/search/space.ts";
import type { AlgorithmName } from "../../controller/src/engine/search/types.ts";
import { MULTI_PROBLEMS, type MultiProblem } from "../search/multi-problems.ts";
import { hypervolumeAt, runMultiStudy, type MultiTrial } from "../search/multi-study.ts";
import { median } from "../search/study.ts";
import { formatTable } from "../search/table.ts";

/** Optuna's multi-objective samplers as optuna_multi.py names them. */
export const MULTI_SAMPLERS = ["tpe", "nsga2", "gp"] as const;

/** What the --multi run needs from the command line. */
export interface MultiFlags {
  seeds: number[];
  budgets: number[];
  problems: string[] | undefined;
  algorithms: AlgorithmName[];
  samplers: readonly string[];
  jobs: number;
  fresh: boolean;
  /** Use only the Optuna studies already cached (a cell then shows how many seeds it has). */
  cacheOnly: boolean;
  /** Files written by `bench:search -- --multi --json` to reuse for our algorithms instead of rerunning them. */
  ours: string[];
  python: string;
  here: string;
}

const OursFile = z.object({ results: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.array(z.number())))) });

const CachedStudy = z.object({
  problem: z.string(),
  sampler: z.string(),
  seed: z.number().int(),
  optuna: z.string(),
  seconds: z.number(),
  values: z.array(z.array(z.number())),
  metrics: z.array(z.record(z.string(), z.number())),
});

/** Deterministic points with TypeScript's values, so the Python re-implementation can prove it matches. */
function checks(problem: MultiProblem): { params: Record<string, number | string>; values: number[]; metrics: Record<string, number> }[] {
  const space = createSpace(problem.parameters);
  const rng = createRng(0xc4ec);
  return Array.from({ length: 20 }, () => {
    const params = space.fromUnit(problem.parameters.map(() => rng.next()));
    return { params, ...problem.evaluate(params) };
  });
}

function readCached(path: string, trials: number): MultiTrial[] | null {
  if (!existsSync(path)) return null;
  const study = CachedStudy.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!study.success || study.data.values.length < trials) return null;
  return study.data.values.map((values, i) => ({ values, metrics: study.data.metrics[i] ?? {} }));
}

/** Runs (or reads from the cache) every Optuna study, runs ours, prints the hypervolume table. */
export async function runMultiPeers(f: MultiFlags, optuna: string): Promise<void> {
  const problems = MULTI_PROBLEMS.filter((p) => !f.problems || f.problems.includes(p.name));
  const trials = Math.max(...f.budgets);
  const cacheDir = join(f.here, ".cache", "optuna-multi");
  const definitions = problems.map((p) => ({ name: p.name, parameters: p.parameters, objectives: p.objectives, constraints: p.constraints, checks: checks(p) }));
  // Fast samplers first, and seeds in order, so an interrupted run has whole columns to show.
  const studies = f.samplers.flatMap((sampler) => f.seeds.flatMap((seed) => definitions.map((d) => {
    const key = createHash("sha256").update(JSON.stringify({ d, optuna, sampler })).digest("hex").slice(0, 16);
    return { problem: d.name, sampler, seed, trials, path: join(cacheDir, `${d.name}-${sampler}-seed${seed}-${key}.json`) };
  })));
  const missing = studies.filter((s) => f.fresh || readCached(s.path, trials) === null);
  process.stderr.write(`optuna ${optuna}: ${studies.length - missing.length} of ${studies.length} multi-objective studies from the cache (${cacheDir}), ${missing.length} to run\n`);
  if (missing.length && !f.cacheOnly) {
    mkdirSync(cacheDir, { recursive: true });
    // One file per run: two runs (e.g. fast samplers and GP side by side) must not overwrite each other's tasks.
    const problemsFile = join(f.here, ".cache", `multi-problems-${process.pid}.json`);
    writeFileSync(problemsFile, JSON.stringify({ problems: definitions, tasks: missing }));
    const env = { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
    const py = spawnSync(f.python, [join(f.here, "optuna_multi.py"), problemsFile, String(f.jobs)], { stdio: ["ignore", "inherit", "inherit"], env });
    if (py.status !== 0) throw new Error(`optuna_multi.py failed with exit code ${py.status}; see its output above`);
  }
  const hv: Record<string, Record<string, Record<string, number[]>>> = {};
  const add = (problem: MultiProblem, column: string, study: readonly MultiTrial[]) => {
    const cell = ((hv[problem.name] ??= {})[column] ??= {});
    for (const b of f.budgets) (cell[String(b)] ??= []).push(hypervolumeAt(problem, study, b));
  };
  for (const s of studies) {
    const study = readCached(s.path, trials);
    if (!study && !f.cacheOnly) throw new Error(`optuna_multi.py left no ${trials}-trial result in ${s.path}`);
    if (study) add(problems.find((p) => p.name === s.problem)!, `optuna-${s.sampler}`, study);
  }
  for (const file of f.ours) {
    const reused = OursFile.parse(JSON.parse(readFileSync(file, "utf8")));
    for (const [problem, byAlg] of Object.entries(reused.results)) {
      for (const [algorithm, cell] of Object.entries(byAlg)) {
        if (f.algorithms.includes(algorithm as AlgorithmName)) (hv[problem] ??= {})[algorithm] = Object.fromEntries(Object.entries(cell).map(([b, v]) => [b, v.slice(0, f.seeds.length)]));
      }
    }
  }
  const started = Date.now();
  for (const problem of problems) {
    for (const algorithm of f.algorithms) {
      if (hv[problem.name]?.[algorithm]) continue;
      for (const seed of f.seeds) {
        add(problem, algorithm, await runMultiStudy(problem, algorithm, seed, trials));
        process.stderr.write(`\r${problem.name} ${algorithm} seed ${seed} (${((Date.now() - started) / 1000).toFixed(0)} s)   `);
      }
    }
  }
  process.stderr.write("\n");
  const columns = [...f.algorithms, ...f.samplers.map((s) => `optuna-${s}`)];
  const rows = problems.flatMap((p) => f.budgets.map((b) => [p.name, `[${p.reference.join(", ")}]`, String(b), ...columns.map((c) => {
    const r = hv[p.name]?.[c]?.[String(b)];
    if (!r || r.length === 0) return "n/a";
    return r.length < f.seeds.length ? `${median(r).toPrecision(4)} (${r.length} seeds)` : median(r).toPrecision(4);
  })]));
  console.log(`Median hypervolume over ${f.seeds.length} seeds (higher is better; feasible trials only); Optuna ${optuna}\n`);
  console.log(formatTable(["problem", "reference", "budget", ...columns], rows));
  if (f.algorithms.includes("bayesian")) {
    const top = Math.max(...f.budgets);
    const wins = problems.filter((p) => f.samplers.every((s) => median(hv[p.name]?.bayesian?.[String(top)] ?? [-1]) > median(hv[p.name]?.[`optuna-${s}`]?.[String(top)] ?? [Infinity])));
    console.log(`\nbayesian beats every Optuna sampler on ${wins.length} of ${problems.length} problems at ${top} trials${wins.length ? ` (${wins.map((p) => p.name).join(", ")})` : ""}`);
  }
}
