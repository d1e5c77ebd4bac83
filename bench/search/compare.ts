/**
 * `npm run bench:compare -- BEFORE.json AFTER.json [--algorithm tpe] [--table-seeds 10]`: compares two
 * `bench:search --json` files cell by cell on their common seeds — the median of the first
 * `--table-seeds` seeds (what the docs' tables show) and of all seeds, the geometric mean of the
 * per-seed regret ratios, and the one-sided Wilcoxon signed-rank p-values (paired.ts). A cell counts
 * as worse (or better) when its p-value is below 0.05.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { comparePaired } from "./paired.ts";
import { median } from "./study.ts";
import { formatTable } from "./table.ts";

const SIGNIFICANT = 0.05;

const BenchFile = z.object({
  seeds: z.number().int().positive(),
  results: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.array(z.number())))),
});
type BenchFile = z.infer<typeof BenchFile>;

const Flags = z.object({
  algorithm: z.string().min(1).optional(),
  "after-algorithm": z.string().min(1).optional(),
  "table-seeds": z.coerce.number().int().positive({ error: "--table-seeds takes a positive integer" }).default(10),
});

function load(path: string): BenchFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}; give a file written by bench:search --json`);
  }
  const parsed = BenchFile.safeParse(raw);
  if (!parsed.success) throw new Error(`${path}: not a bench:search --json file (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

const fmt = (x: number): string => (x === 0 ? "0" : Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(3));

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { algorithm: { type: "string" }, "after-algorithm": { type: "string" }, "table-seeds": { type: "string" } } });
  if (positionals.length !== 2) throw new Error("usage: bench:compare -- BEFORE.json AFTER.json [--algorithm NAME] [--after-algorithm NAME] [--table-seeds N]");
  const parsed = Flags.safeParse(values);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  const [before, after] = positionals.map(load) as [BenchFile, BenchFile];
  const first = Object.values(before.results)[0] ?? {};
  const algorithm = parsed.data.algorithm ?? Object.keys(first)[0];
  const afterAlgorithm = parsed.data["after-algorithm"] ?? algorithm;
  if (!algorithm || !afterAlgorithm) throw new Error(`${positionals[0]}: holds no results`);
  const k = parsed.data["table-seeds"];
  const rows: string[][] = [];
  let worse = 0;
  let better = 0;
  let cells = 0;
  for (const [fn, byAlg] of Object.entries(before.results)) {
    const a = byAlg[algorithm];
    const b = after.results[fn]?.[afterAlgorithm];
    if (!a || !b) continue;
    for (const [budget, regretsA] of Object.entries(a)) {
      const regretsB = b[budget];
      if (!regretsB) continue;
      const n = Math.min(regretsA.length, regretsB.length);
      const c = comparePaired(regretsA.slice(0, n), regretsB.slice(0, n));
      cells++;
      const mark = c.test.pGreater < SIGNIFICANT ? "worse" : c.test.pLess < SIGNIFICANT ? "better" : "";
      if (mark === "worse") worse++;
      if (mark === "better") better++;
      rows.push([fn, budget, fmt(median(regretsA.slice(0, Math.min(k, n)))), fmt(median(regretsB.slice(0, Math.min(k, n)))), fmt(median(regretsA.slice(0, n))), fmt(median(regretsB.slice(0, n))),
        c.ratio.toFixed(2), `${c.better}/${c.worse}`, c.test.pGreater.toFixed(3), c.test.pLess.toFixed(3), mark]);
    }
  }
  if (cells === 0) throw new Error(`no cell holds ${algorithm} in ${positionals[0]} and ${afterAlgorithm} in ${positionals[1]}; pick them with --algorithm / --after-algorithm`);
  const seeds = Math.min(before.seeds, after.seeds);
  const header = ["function", "budget", `before (${Math.min(k, seeds)})`, `after (${Math.min(k, seeds)})`, `before (${seeds})`, `after (${seeds})`, "ratio", "better/worse", "p worse", "p better", ""];
  console.log(`Median simple regret, ${algorithm} → ${afterAlgorithm}; ratio: geometric mean of after/before per seed; p: one-sided Wilcoxon signed-rank, exact\n`);
  console.log(formatTable(header, rows));
  console.log(`\n${cells} cells: ${worse} significantly worse, ${better} significantly better (p < ${SIGNIFICANT}, one-sided, not corrected for ${cells} tests)`);
}

try {
  main();
} catch (e) {
  console.error(`bench:compare: ${(e as Error).message}`);
  process.exit(1);
}
