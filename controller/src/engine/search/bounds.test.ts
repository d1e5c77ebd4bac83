/**
 * Every suggestion lies inside its parameter's declared [min, max] exactly, whatever rounding a path
 * applies (12-digit tidying, exp/log of a log scale, step multiples, int rounding, canonicalisation of
 * history): a training script may assert on its bounds. Property-style: awkward bounds, unit points at
 * and within 1e-16 of the cube's faces, and every algorithm driven into both ends of each range.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Parameters, type Parameter, type Params } from "../../api/parameters.ts";
import { createOptimizer } from "./optimizer.ts";
import { createSpace } from "./space.ts";
import type { AlgorithmName } from "./types.ts";

interface Case {
  label: string;
  parameter: Record<string, unknown>;
  /** Whether grid search can enumerate it (it needs a step, an int, and a grid of at most 2^53 points). */
  grid: boolean;
}

const CASES: Case[] = [
  { label: "double [0, π]", parameter: { type: "double", min: 0, max: Math.PI }, grid: false },
  { label: "double [-π, -1e-300]", parameter: { type: "double", min: -Math.PI, max: -1e-300 }, grid: false },
  { label: "double [-1e300, 1e300]", parameter: { type: "double", min: -1e300, max: 1e300 }, grid: false },
  { label: "double [-1.7e308, 1.7e308] (max - min overflows)", parameter: { type: "double", min: -1.7e308, max: 1.7e308 }, grid: false },
  { label: "double log [1e-8, 1]", parameter: { type: "double", min: 1e-8, max: 1, scale: "log" }, grid: false },
  { label: "double log [1e-8, π]", parameter: { type: "double", min: 1e-8, max: Math.PI, scale: "log" }, grid: false },
  { label: "double log [π/1e9, 1e300]", parameter: { type: "double", min: Math.PI / 1e9, max: 1e300, scale: "log" }, grid: false },
  { label: "double [0.1, 0.3] step 0.1", parameter: { type: "double", min: 0.1, max: 0.3, step: 0.1 }, grid: true },
  { label: "double [0, π] step 0.1 (max off the grid)", parameter: { type: "double", min: 0, max: Math.PI, step: 0.1 }, grid: true },
  { label: "double [1/3, 2/3] step 1/30", parameter: { type: "double", min: 1 / 3, max: 2 / 3, step: 1 / 30 }, grid: true },
  { label: "int [-7, 13]", parameter: { type: "int", min: -7, max: 13 }, grid: true },
  { label: "int [-1e300, 1e300]", parameter: { type: "int", min: -1e300, max: 1e300 }, grid: false },
  { label: "int log [1, 1000000]", parameter: { type: "int", min: 1, max: 1_000_000, scale: "log" }, grid: true },
  { label: "int log [3, 7]", parameter: { type: "int", min: 3, max: 7, scale: "log" }, grid: true },
  { label: "int [1, 10] step 4 (max off the grid)", parameter: { type: "int", min: 1, max: 10, step: 4 }, grid: true },
];

const parse = (c: Case, name = "x"): Parameter & { type: "double" | "int" } => {
  const [p] = Parameters.parse([{ name, ...c.parameter }]);
  if (!p || (p.type !== "double" && p.type !== "int")) throw new Error(`case ${c.label} is not a range`);
  return p;
};

function assertInside(p: Parameter & { type: "double" | "int" }, v: unknown, where: string): void {
  assert.equal(typeof v, "number", `${where}: ${String(v)} is a number`);
  const n = v as number;
  assert.ok(n >= p.min && n <= p.max, `${where}: ${n} lies outside [${p.min}, ${p.max}]`);
  if (p.type === "int") assert.ok(Number.isInteger(n), `${where}: ${n} is not an integer`);
}

/** Unit coordinates at, within 1e-16 of, and just beyond the cube's faces. */
const EDGE_UNITS = [0, 1, 1e-17, 1e-16, 2 ** -53, 5e-324, 1 - 1e-16, 1 - 2 ** -53, 0.9999999999999999, -1e-16, 1 + 1e-16, -0, 0.5];

for (const c of CASES) {
  test(`fromUnit stays inside ${c.label} at and near both ends`, () => {
    const p = parse(c);
    const space = createSpace([p]);
    for (const u of EDGE_UNITS) assertInside(p, space.fromUnit([u]).x, `fromUnit(${u})`);
  });

  test(`canonicalisation (history rebuild) keeps ${c.label} inside, even from values past the bounds`, () => {
    const p = parse(c);
    const near = [p.min, p.max, p.min - Math.abs(p.min) * 1e-12 - 1e-300, p.max + Math.abs(p.max) * 1e-12 + 1e-300, Number(p.max.toPrecision(12)), Number(p.min.toPrecision(12))];
    const space = createSpace([p]);
    for (const v of near) {
      if (p.scale === "log" && !(v > 0)) continue;
      const value = p.type === "int" ? Math.round(v) : v;
      assertInside(p, space.fromUnit(space.toUnit({ x: value })).x, `fromUnit(toUnit(${value}))`);
    }
    const history = near.filter((v) => p.scale !== "log" || v > 0).map((v, i) => ({ id: `h${i}`, params: { x: p.type === "int" ? Math.round(v) : v }, value: i }));
    const opt = createOptimizer({ parameters: [p], objective: { metric: "f", direction: "minimize" }, algorithm: { name: "random" }, seed: 1 }, history);
    assertInside(p, opt.best()?.params.x, "best() of a rebuilt optimizer");
  });
}

const ALGORITHMS: AlgorithmName[] = ["grid", "random", "sobol", "tpe", "bayesian"];
const TRIALS = 24;

/** Position of a value in its range, 0 at min and 1 at max, computed without overflow. */
const position = (p: Parameter & { type: "double" | "int" }, v: number): number =>
  p.scale === "log" ? Math.log(v / p.min) / Math.log(p.max / p.min) : (v / 2 - p.min / 2) / (p.max / 2 - p.min / 2);

async function drive(parameters: Parameter[], algorithm: AlgorithmName, direction: "minimize" | "maximize", objective: (p: Params) => number): Promise<Params[]> {
  const opt = createOptimizer({ parameters, objective: { metric: "f", direction }, algorithm: { name: algorithm }, seed: 7 });
  const seen: Params[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const [s] = await opt.ask(1);
    if (!s) break;
    seen.push(s.params);
    opt.tell({ id: s.id, value: objective(s.params) });
  }
  return seen;
}

for (const algorithm of ALGORITHMS) {
  test(`${algorithm}: suggestions driven into either end of every range stay inside it exactly`, async () => {
    for (const c of CASES) {
      if (algorithm === "grid" && !c.grid) continue;
      const p = parse(c);
      for (const direction of ["minimize", "maximize"] as const) {
        const seen = await drive([p], algorithm, direction, (q) => position(p, q.x as number));
        assert.ok(seen.length > 0, `${c.label}: ${algorithm} made suggestions`);
        seen.forEach((q, i) => assertInside(p, q.x, `${c.label}, ${direction}, ${algorithm} suggestion ${i}`));
        // The model-based optimizer walks right up to the end it is driven to, where rounding bites.
        const end = createSpace([p]).fromUnit([direction === "minimize" ? 0 : 1]).x;
        if (algorithm === "bayesian") assert.ok(seen.some((q) => q.x === end), `${c.label}: bayesian reached ${end} (${direction})`);
      }
    }
  });
}

test("every algorithm keeps a mixed space of awkward ranges inside its bounds in the corners", async () => {
  const ranges = CASES.filter((c) => c.grid).map((c, i) => parse(c, `p${i}`));
  for (const algorithm of ALGORITHMS) {
    for (const direction of ["minimize", "maximize"] as const) {
      const seen = await drive(ranges, algorithm, direction, (q) => ranges.reduce((s, p) => s + position(p, q[p.name] as number), 0));
      for (const q of seen) ranges.forEach((p) => assertInside(p, q[p.name], `${algorithm}, ${direction}, ${p.name}`));
    }
  }
});
