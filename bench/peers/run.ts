/**
 * `npm run bench:peers`: Optuna's TPE and GP samplers against our algorithms on the same problems,
 * seeds and budgets. Creates bench/peers/.venv (pip install -r requirements.txt) on first use.
 * Flags: --quick, --seeds N, --functions a,b, --budgets 25,50,100, --algorithms a,b (ours),
 * --samplers tpe,gp (Optuna's), --jobs N (parallel Optuna studies, one core each; default 2), --ours FILE
 * (reuse the per-seed results of `bench:search --json FILE` for our algorithms instead of running them
 * again), --fresh (rerun every Optuna study instead of reusing bench/peers/.cache/optuna).
 * --multi: the multi-objective comparison instead (multi.ts): hypervolume on ZDT1, ZDT2, DTLZ2 and
 * C2-DTLZ2 against Optuna's TPE, NSGA-II (--samplers nsga2) and GP samplers; default budgets 50,100;
 * --ours takes a comma-separated list of `bench:search -- --multi --json` files; --cache-only shows the
 * Optuna studies already cached without running the missing ones (cells say how many seeds they hold).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { createRng } from "../../controller/src/engine/search/rng.ts";
import { createSpace } from "../../controller/src/engine/search/space.ts";
import { ALGORITHM_NAMES, type AlgorithmName } from "../../controller/src/engine/search/types.ts";
import { selectProblems, type Problem } from "../search/functions.ts";
import { MULTI_PROBLEMS } from "../search/multi-problems.ts";
import { MULTI_SAMPLERS, runMultiPeers } from "./multi.ts";
import { median, regretAt, runStudy } from "../search/study.ts";
import { formatTable } from "../search/table.ts";

const here = dirname(fileURLToPath(import.meta.url));
const venv = join(here, ".venv");
const python = join(venv, "bin", "python");
const work = join(here, ".cache");
const studyCache = join(work, "optuna");

const csv = z.string().transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean));
const positive = (flag: string) => z.string().transform(Number).pipe(z.number({ error: `${flag} takes positive integers` }).int({ error: `${flag} takes positive integers` }).positive({ error: `${flag} takes positive integers` }));
const Flags = z.object({
  quick: z.boolean().default(false),
  seeds: positive("--seeds").optional(),
  functions: csv.optional(),
  budgets: csv.pipe(z.array(positive("--budgets"))).optional(),
  algorithms: csv.pipe(z.array(z.enum(ALGORITHM_NAMES, { error: `--algorithms: known algorithms are ${ALGORITHM_NAMES.join(", ")}` }))).optional(),
  samplers: csv.pipe(z.array(z.enum(MULTI_SAMPLERS, { error: "--samplers: known samplers are tpe, gp (and nsga2 with --multi)" }))).optional(),
  multi: z.boolean().default(false),
  "cache-only": z.boolean().default(false),
  jobs: positive("--jobs").default(2),
  ours: z.string().optional(),
  fresh: z.boolean().default(false),
});

/** The part of `bench:search --json` output that is reused here. */
const SearchResults = z.object({
  seeds: z.number().int(),
  results: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.array(z.number())))),
});

/** One finished Optuna study as optuna_bench.py stores it: regret[t] = simple regret after t + 1 trials. */
const CachedStudy = z.object({
  function: z.string(),
  sampler: z.string(),
  seed: z.number().int(),
  optuna: z.string(),
  seconds: z.number(),
  regret: z.array(z.number().nonnegative()),
});

/** Creates the virtual environment with Optuna, SciPy, torch and greenlet unless it already imports them. */
function ensureVenv(): void {
  // greenlet too: without it GPSampler silently runs its acquisition restarts one by one, much slower.
  if (existsSync(python) && spawnSync(python, ["-c", "import optuna, scipy, torch, greenlet"], { stdio: "ignore" }).status === 0) return;
  process.stderr.write(`creating ${venv} (pip install -r requirements.txt; torch is large)\n`);
  execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
  execFileSync(python, ["-m", "pip", "install", "--quiet", "-r", join(here, "requirements.txt")], { stdio: "inherit" });
}

/** Deterministic points with TypeScript's values, so the Python re-implementation can prove it matches. */
function checks(problem: Problem): { params: Record<string, number | string>; value: number }[] {
  const space = createSpace(problem.parameters);
  const rng = createRng(0xc4ec);
  return Array.from({ length: 20 }, () => {
    const params = space.fromUnit(problem.parameters.map(() => rng.next()));
    return { params, value: problem.evaluate(params) };
  });
}

type Regrets = Record<string, Record<string, Record<string, number[]>>>;

/** What an Optuna study's result depends on, so a cached one is reused only for an identical study. */
function cacheKey(definition: unknown, optuna: string, sampler: string): string {
  return createHash("sha256").update(JSON.stringify({ definition, optuna, sampler })).digest("hex").slice(0, 16);
}

/** A cached study covering at least `trials` trials, or null. */
function readCached(path: string, trials: number): z.infer<typeof CachedStudy> | null {
  if (!existsSync(path)) return null;
  const study = CachedStudy.safeParse(JSON.parse(readFileSync(path, "utf8")));
  return study.success && study.data.regret.length >= trials ? study.data : null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean" }, seeds: { type: "string" }, functions: { type: "string" }, budgets: { type: "string" },
      algorithms: { type: "string" }, samplers: { type: "string" }, jobs: { type: "string", default: "2" }, ours: { type: "string" },
      fresh: { type: "boolean" }, multi: { type: "boolean" }, "cache-only": { type: "boolean" },
    },
  });
  const parsed = Flags.safeParse(values);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  const f = parsed.data;
  const problems = f.multi ? [] : selectProblems(f.functions);
  const knownMulti = MULTI_PROBLEMS.map((p) => p.name);
  const unknownMulti = f.multi ? (f.functions?.filter((n) => !knownMulti.includes(n)) ?? []) : [];
  if (unknownMulti.length) throw new Error(`--functions: unknown ${unknownMulti.join(", ")}; known functions are ${knownMulti.join(", ")}`);
  if (!f.multi && f.samplers?.includes("nsga2")) throw new Error("--samplers: nsga2 runs only with --multi");
  const seeds = Array.from({ length: f.seeds ?? (f.quick ? 3 : 10) }, (_, i) => i);
  if (f.multi) {
    ensureVenv();
    const multiFlags = {
      seeds, budgets: f.budgets ?? (f.quick ? [25, 50] : [50, 100]), problems: f.functions, algorithms: f.algorithms ?? ["random", "tpe", "bayesian"],
      samplers: f.samplers ?? MULTI_SAMPLERS, jobs: f.jobs, fresh: f.fresh, cacheOnly: f["cache-only"], ours: f.ours?.split(",") ?? [], python, here,
    };
    return runMultiPeers(multiFlags, optunaVersion());
  }
  const budgets = f.budgets ?? (f.quick ? [25, 50] : [25, 50, 100]);
  const algorithms: AlgorithmName[] = f.algorithms ?? ["random", "tpe", "bayesian"];
  const samplers = f.samplers ?? ["tpe", "gp"];

  ensureVenv();
  const optuna = optunaVersion();
  const trials = Math.max(...budgets);
  const definitions = problems.map((p) => ({ name: p.name, parameters: p.parameters, optimum: p.optimum, checks: checks(p) }));
  // Seeded samplers never look at n_trials, so a longer cached study's first `trials` trials are this study.
  const studies = definitions.flatMap((d) => samplers.flatMap((sampler) => {
    const key = cacheKey(d, optuna, sampler);
    return seeds.map((seed) => ({ function: d.name, sampler, seed, trials, path: join(studyCache, `${d.name}-${sampler}-seed${seed}-${key}.json`) }));
  }));
  const missing = studies.filter((s) => f.fresh || readCached(s.path, trials) === null);
  const fromCache = studies.length - missing.length;
  process.stderr.write(`optuna ${optuna}: ${fromCache} of ${studies.length} studies from the cache (${studyCache}), ${missing.length} to run\n`);
  if (missing.length) {
    mkdirSync(studyCache, { recursive: true });
    const problemsFile = join(work, "problems.json");
    writeFileSync(problemsFile, JSON.stringify({ problems: definitions, tasks: missing }));
    // One BLAS/OpenMP thread per study, so --jobs N uses N cores instead of N × nproc threads fighting.
    const env = { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
    const py = spawnSync(python, [join(here, "optuna_bench.py"), problemsFile, String(f.jobs)], { stdio: ["ignore", "inherit", "inherit"], env });
    if (py.status !== 0) throw new Error(`optuna_bench.py failed with exit code ${py.status}; see its output above`);
  }
  const regrets: Regrets = {};
  for (const s of studies) {
    const study = readCached(s.path, trials);
    if (!study) throw new Error(`optuna_bench.py left no ${trials}-trial result in ${s.path}`);
    const cell = ((regrets[s.function] ??= {})[`optuna-${s.sampler}`] ??= {});
    for (const b of budgets) (cell[String(b)] ??= []).push(study.regret[b - 1] as number);
  }

  const reused = f.ours ? SearchResults.parse(JSON.parse(readFileSync(f.ours, "utf8"))) : null;
  if (reused && reused.seeds < seeds.length) throw new Error(`--ours ${f.ours} has ${reused.seeds} seeds but --seeds is ${seeds.length}; rerun bench:search with at least as many`);
  const started = Date.now();
  for (const problem of problems) {
    if (reused) {
      for (const algorithm of algorithms) {
        const r = reused.results[problem.name]?.[algorithm];
        if (!r) throw new Error(`--ours ${f.ours} has no results for ${problem.name} / ${algorithm}; rerun bench:search with them`);
        // Seeds are 0..N-1 on both sides, so the first N per-seed results are the matching ones.
        (regrets[problem.name] ??= {})[algorithm] = Object.fromEntries(Object.entries(r).map(([b, v]) => [b, v.slice(0, seeds.length)]));
      }
      continue;
    }
    for (const algorithm of algorithms) {
      const byBudget: Record<string, number[]> = {};
      for (const seed of seeds) {
        const curve = await runStudy(problem, algorithm, seed, trials);
        if (curve === null) break;
        for (const b of budgets) (byBudget[b] ??= []).push(regretAt(curve, b, problem.optimum));
        process.stderr.write(`\r${problem.name} ${algorithm} seed ${seed} (${((Date.now() - started) / 1000).toFixed(0)} s)   `);
      }
      (regrets[problem.name] ??= {})[algorithm] = byBudget;
    }
  }
  process.stderr.write("\n");
  const columns = [...algorithms, ...samplers.map((s) => `optuna-${s}`)];
  const rows = problems.flatMap((p) =>
    budgets.map((b) => [p.name, String(b), ...columns.map((c) => {
      const r = regrets[p.name]?.[c]?.[String(b)];
      return r && r.length ? median(r).toPrecision(3) : "n/a";
    })]),
  );
  console.log(`Median simple regret over ${seeds.length} seeds (lower is better); Optuna ${optuna} (${fromCache} of ${studies.length} studies from the cache)\n`);
  console.log(formatTable(["function", "budget", ...columns], rows));
  const wins = problems.flatMap((p) => budgets.filter((b) => b >= 50).map((b) => {
    const ours = median(regrets[p.name]?.bayesian?.[String(b)] ?? [Infinity]);
    return samplers.every((s) => ours < median(regrets[p.name]?.[`optuna-${s}`]?.[String(b)] ?? [Infinity]));
  }));
  if (algorithms.includes("bayesian") && wins.length) {
    console.log(`\nbayesian beats every Optuna sampler in ${wins.filter(Boolean).length} of ${wins.length} (function, budget ≥ 50) cells`);
  }
}

function optunaVersion(): string {
  return execFileSync(python, ["-c", "import optuna; print(optuna.__version__)"], { encoding: "utf8" }).trim();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
