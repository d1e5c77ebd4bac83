/**
 * `npm run bench:search`: median simple regret of every algorithm on the standard problems, then
 * ask(1) latency. Flags: --quick, --seeds N, --first-seed S (seeds S .. S+N−1; default 0), --functions a,b, --budgets 25,50,100, --algorithms a,b,
 * --latency-sizes 100,500,1000, --no-latency, --latency-only, --json FILE (raw results, used by bench:peers).
 * --multi: the multi-objective benchmark instead (multi.ts: hypervolume at 50/100 trials on ZDT1, ZDT2,
 * DTLZ2 and C2-DTLZ2, then ask latency at 100 observations with 2 objectives).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { ALGORITHM_NAMES, type AlgorithmName } from "../../controller/src/engine/search/types.ts";
import { selectProblems } from "./functions.ts";
import { runMultiSearch } from "./multi.ts";
import { MULTI_PROBLEMS } from "./multi-problems.ts";
import { askLatency } from "./latency.ts";
import { median, regretAt, runStudy } from "./study.ts";
import { formatTable } from "./table.ts";

const list = (what: string) => z.string().transform((s, ctx) => {
  const out = s.split(",").map((x) => x.trim()).filter(Boolean);
  if (out.length === 0) ctx.addIssue({ code: "custom", message: `--${what} needs a comma-separated list` });
  return out;
});
const intList = (what: string) =>
  list(what).pipe(z.array(z.string().transform(Number).pipe(z.number({ error: `--${what} takes positive integers` }).int({ error: `--${what} takes positive integers` }).positive({ error: `--${what} takes positive integers` }))));

const Flags = z.object({
  quick: z.boolean().default(false),
  seeds: z.coerce.number().int().positive({ error: "--seeds takes a positive integer" }).optional(),
  "first-seed": z.coerce.number().int().min(0, { error: "--first-seed takes a non-negative integer" }).default(0),
  functions: list("functions").optional(),
  multi: z.boolean().default(false),
  budgets: intList("budgets").optional(),
  algorithms: list("algorithms").pipe(z.array(z.enum(ALGORITHM_NAMES, { error: `--algorithms: known algorithms are ${ALGORITHM_NAMES.join(", ")}` }))).optional(),
  "latency-sizes": intList("latency-sizes").optional(),
  "no-latency": z.boolean().default(false),
  "latency-only": z.boolean().default(false),
  json: z.string().optional(),
});

/** Raw results: regret[problem][algorithm][budget] = per-seed regrets. */
export type Results = Record<string, Record<string, Record<string, number[]>>>;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean" }, seeds: { type: "string" }, "first-seed": { type: "string" }, functions: { type: "string" }, budgets: { type: "string" },
      algorithms: { type: "string" }, "latency-sizes": { type: "string" }, "no-latency": { type: "boolean" }, "latency-only": { type: "boolean" }, json: { type: "string" },
      multi: { type: "boolean" },
    },
  });
  const parsed = Flags.safeParse(values);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  const f = parsed.data;
  if (f.multi) {
    const known = MULTI_PROBLEMS.map((p) => p.name);
    const unknown = f.functions?.filter((n) => !known.includes(n)) ?? [];
    if (unknown.length) throw new Error(`--functions: unknown ${unknown.join(", ")}; known functions are ${known.join(", ")}`);
    return runMultiSearch({
      seeds: f.seeds ?? (f.quick ? 3 : 10), budgets: f.budgets ?? (f.quick ? [25, 50] : [50, 100]), problems: f["latency-only"] ? [] : f.functions,
      algorithms: f.algorithms ?? ["random", "sobol", "tpe", "bayesian"], latency: !f["no-latency"], json: f.json,
    });
  }
  const seeds = f.seeds ?? (f.quick ? 3 : 10);
  const budgets = f.budgets ?? (f.quick ? [25, 50] : [25, 50, 100]);
  const algorithms: AlgorithmName[] = f.algorithms ?? ["grid", "random", "sobol", "tpe", "bayesian"];
  const problems = f["latency-only"] ? [] : selectProblems(f.functions);
  const maxBudget = Math.max(...budgets);
  const results: Results = {};
  const started = Date.now();
  for (const problem of problems) {
    const byAlg: Record<string, Record<string, number[]>> = {};
    for (const algorithm of algorithms) {
      const byBudget: Record<string, number[]> = {};
      for (let seed = f["first-seed"]; seed < f["first-seed"] + seeds; seed++) {
        const curve = await runStudy(problem, algorithm, seed, maxBudget);
        if (curve === null) break;
        for (const b of budgets) (byBudget[b] ??= []).push(regretAt(curve, b, problem.optimum));
        process.stderr.write(`\r${problem.name} ${algorithm} seed ${seed + 1 - f["first-seed"]}/${seeds} (${((Date.now() - started) / 1000).toFixed(0)} s)   `);
      }
      byAlg[algorithm] = byBudget;
    }
    results[problem.name] = byAlg;
  }
  process.stderr.write("\n");
  const header = ["function", "budget", ...algorithms];
  const rows = problems.flatMap((p) =>
    budgets.map((b) => [p.name, String(b), ...algorithms.map((a) => {
      const r = results[p.name]?.[a]?.[b];
      return r && r.length ? median(r).toPrecision(3) : "n/a";
    })]),
  );
  if (problems.length) {
    console.log(`Median simple regret over ${seeds} seeds (${f["first-seed"]}–${f["first-seed"] + seeds - 1}; lower is better)\n`);
    console.log(formatTable(header, rows));
  }
  if (f.json) writeFileSync(f.json, JSON.stringify({ seeds, budgets, algorithms, results }, null, 1));
  if (f["no-latency"]) return;
  const sizes = f["latency-sizes"] ?? (f.quick ? [100, 500] : [100, 500, 1000]);
  const latAlgs = algorithms.filter((a) => a === "bayesian" || a === "tpe");
  const latRows: string[][] = [];
  for (const n of sizes) {
    const row = [String(n)];
    for (const a of latAlgs) {
      process.stderr.write(`\rlatency ${a} at ${n} observations   `);
      const t = await askLatency(a, n, f.quick ? 2 : 5);
      row.push(t.warmCpu.toFixed(1), t.coldCpu.toFixed(1), t.warm.toFixed(1), t.cold.toFixed(1), t.maxStall.toFixed(1));
    }
    latRows.push(row);
  }
  process.stderr.write("\n");
  console.log(`\nMedian ask(1) latency in ms, 6 dimensions (Hartmann6 history); warm = in a running job, cold = first ask after a restart;`);
  console.log(`cpu = process CPU time, wall = elapsed (inflated when other work shares the machine), stall = longest wall time the event loop could not run during any ask\n`);
  console.log(formatTable(["observations", ...latAlgs.flatMap((a) => [`${a} warm cpu`, `${a} cold cpu`, `${a} warm wall`, `${a} cold wall`, `${a} stall`])], latRows));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
