/**
 * Multi-objective test problems (all objectives minimized) with the reference points their
 * hypervolume is measured against: ZDT1, ZDT2 (Zitzler, Deb & Thiele 2000), DTLZ2 (Deb et al. 2002)
 * and the constrained C2-DTLZ2 (Jain & Deb 2014, pymoo's radius r = 0.2 for 2 objectives).
 */
import type { Constraint } from "../../controller/src/api/objective.ts";
import type { Parameter, Params } from "../../controller/src/api/parameters.ts";

/** A multi-objective problem over a declared space. */
export interface MultiProblem {
  name: string;
  parameters: Parameter[];
  /** Number of objectives (all minimized). */
  objectives: number;
  /** Hypervolume reference point. */
  reference: number[];
  /** Outcome constraints on the reported metrics (empty when unconstrained). */
  constraints: Constraint[];
  evaluate(params: Params): { values: number[]; metrics: Record<string, number> };
}

const unitBox = (d: number): Parameter[] => Array.from({ length: d }, (_, i) => ({ name: `x${i}`, type: "double", min: 0, max: 1, scale: "linear" }));
const xs = (p: Params, d: number): number[] => Array.from({ length: d }, (_, i) => Number(p[`x${i}`]));

/** ZDT's g: 1 + 9 · mean of x1..x(n-1). */
function zdtG(x: readonly number[]): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += x[i]!;
  return 1 + (9 * s) / (x.length - 1);
}

/** DTLZ2 objectives for m objectives; g is the squared distance of the last n - m + 1 variables from 0.5. */
export function dtlz2(x: readonly number[], m: number): number[] {
  let g = 0;
  for (let i = m - 1; i < x.length; i++) g += (x[i]! - 0.5) ** 2;
  return Array.from({ length: m }, (_, k) => {
    let f = 1 + g;
    for (let j = 0; j < m - 1 - k; j++) f *= Math.cos((x[j]! * Math.PI) / 2);
    if (k > 0) f *= Math.sin((x[m - 1 - k]! * Math.PI) / 2);
    return f;
  });
}

/** C2-DTLZ2's constraint value (feasible when ≤ 0): near an axis end of the front or near its centre. */
export function c2dtlz2Constraint(f: readonly number[], r: number): number {
  const m = f.length;
  const sq = f.reduce((a, v) => a + v * v, 0);
  let v1 = Infinity;
  for (let i = 0; i < m; i++) v1 = Math.min(v1, (f[i]! - 1) ** 2 + (sq - f[i]! ** 2) - r * r);
  const a = 1 / Math.sqrt(m);
  const v2 = f.reduce((s, v) => s + (v - a) ** 2, 0) - r * r;
  return Math.min(v1, v2);
}

/** A 6-D ZDT problem: f1 = x1, f2 = g·(1 − shape(f1/g)) (ZDT1: √, convex front; ZDT2: square, concave). */
function zdt(name: string, shape: (ratio: number) => number): MultiProblem {
  return {
    name,
    parameters: unitBox(6),
    objectives: 2,
    reference: [1.1, 1.1],
    constraints: [],
    evaluate: (p) => {
      const x = xs(p, 6);
      const g = zdtG(x);
      return { values: [x[0]!, g * (1 - shape(x[0]! / g))], metrics: {} };
    },
  };
}

/** The multi-objective benchmark problems. */
export const MULTI_PROBLEMS: MultiProblem[] = [
  zdt("zdt1", Math.sqrt),
  zdt("zdt2", (r) => r ** 2),
  {
    name: "dtlz2",
    parameters: unitBox(6),
    objectives: 3,
    reference: [1.1, 1.1, 1.1],
    constraints: [],
    evaluate: (p) => ({ values: dtlz2(xs(p, 6), 3), metrics: {} }),
  },
  {
    name: "c2dtlz2",
    parameters: unitBox(6),
    objectives: 2,
    reference: [1.1, 1.1],
    constraints: [{ metric: "c", max: 0 }],
    evaluate: (p) => {
      const f = dtlz2(xs(p, 6), 2);
      return { values: f, metrics: { c: c2dtlz2Constraint(f, 0.2) } };
    },
  },
];
