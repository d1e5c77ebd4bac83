/**
 * Parameter importance by PED-ANOVA (Watanabe et al., "PED-ANOVA: Efficiently Quantifying Hyperparameter
 * Importance in Arbitrary Subspaces", IJCAI 2023), the method behind Optuna's PedAnovaImportanceEvaluator:
 * a parameter matters as much as the distribution of its values among the best trials differs from its
 * distribution among all finished trials, measured by the Pearson χ² divergence of the two Parzen
 * estimates. Closed form, no model fitting and no randomness: the same trials give the same answer.
 */
import type { Parameter } from "../api/parameters.ts";

/** One parameter's share of the explained variation; shares sum to 1. */
export interface ParameterImportance {
  parameter: string;
  importance: number;
}

/** What importance needs of a trial: its parameters, its objective value and (optionally) how it ended. */
export interface ImportanceTrial {
  readonly params: Readonly<Record<string, number | string>>;
  readonly value?: number | null | undefined;
  /** `succeeded` and `earlyStopped` trials count (absent counts as succeeded); failed and unfinished (null, as results.json writes it) ones do not. */
  readonly outcome?: string | null;
}

export type ImportanceResult = { ok: true; importances: ParameterImportance[]; trials: number } | { ok: false; reason: "TooFewTrials" | "FlatObjective"; detail: string };

/**
 * Outcomes whose value counts. An early-stopped trial's value is the one it was judged on, from a curve cut
 * short: rarely among the best, it still says where the search tried and did badly, and with ASHA most
 * trials end that way (the quickstart: 14 of 20), so leaving them out would leave too few trials.
 */
const COUNTED = new Set(["succeeded", "earlyStopped"]);

/** Fewest finished trials before importances are estimated: fewer leave the top quantile one or two trials. */
export const MIN_IMPORTANCE_TRIALS = 10;
/** The best fraction of trials whose parameter distribution is compared with all trials' (Optuna's default). */
const TOP_QUANTILE = 0.1;
/** Cells of [0, 1] on which numeric densities are compared (Optuna: n_steps = 50). */
const GRID = 50;
/** Weight of the uniform prior in each estimate, in trials: keeps a few points from making a spiky density. */
const PRIOR_WEIGHT = 1;
/** Discrete parameters with more values than this are treated as ordered numbers, fewer as categories. */
const MAX_COUNTED_VALUES = 8;

/** A parameter's values mapped onto comparable cells: a category index, or a position in [0, 1]. */
type Encoding = { kind: "categories"; count: number; cell: (v: number | string) => number | undefined } | { kind: "numeric"; at: (v: number | string) => number | undefined };

function encodingOf(p: Parameter): Encoding {
  if (p.type === "categorical") return { kind: "categories", count: p.values.length, cell: (v) => indexOf(p.values, v) };
  if (p.type === "discrete") {
    const sorted = [...p.values].sort((a, b) => a - b);
    if (sorted.length <= MAX_COUNTED_VALUES) return { kind: "categories", count: sorted.length, cell: (v) => indexOf(sorted, v) };
    return {
      kind: "numeric",
      at: (v) => {
        const i = indexOf(sorted, v);
        return i === undefined ? undefined : i / (sorted.length - 1);
      },
    };
  }
  const log = p.scale === "log";
  const f = (x: number): number => (log ? Math.log(x) : x);
  const lo = f(p.min);
  const span = f(p.max) - lo;
  return { kind: "numeric", at: (v) => (typeof v === "number" && Number.isFinite(v) && (!log || v > 0) ? Math.min(1, Math.max(0, (f(v) - lo) / span)) : undefined) };
}

function indexOf(values: readonly (number | string)[], v: number | string): number | undefined {
  const i = values.indexOf(v);
  return i < 0 ? undefined : i;
}

/** A probability per cell from category counts, smoothed by the uniform prior. */
function categoryMass(cells: readonly number[], count: number): number[] {
  const mass = new Array<number>(count).fill(PRIOR_WEIGHT / count);
  for (const c of cells) mass[c] = (mass[c] ?? 0) + 1;
  const total = cells.length + PRIOR_WEIGHT;
  return mass.map((m) => m / total);
}

/** A probability per grid cell from a Gaussian Parzen estimate (Scott's bandwidth) mixed with the uniform prior. */
function parzenMass(xs: readonly number[]): number[] {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  // Scott's rule, floored at one cell so identical values still spread over a cell, capped at the whole range.
  const h = Math.min(1, Math.max(1 / GRID, 1.06 * sd * n ** -0.2));
  const mass = new Array<number>(GRID).fill(0);
  for (const x of xs) {
    let sum = 0;
    const k = new Array<number>(GRID);
    for (let i = 0; i < GRID; i++) {
      const u = (i + 0.5) / GRID;
      k[i] = Math.exp(-0.5 * ((u - x) / h) ** 2);
      sum += k[i] ?? 0;
    }
    // Each point contributes one unit of mass inside [0, 1], however close to an edge it lies.
    for (let i = 0; i < GRID; i++) mass[i] = (mass[i] ?? 0) + (k[i] ?? 0) / sum;
  }
  return mass.map((m) => (m + PRIOR_WEIGHT / GRID) / (n + PRIOR_WEIGHT));
}

/** Pearson χ² divergence of `top` from `all`: Σ all·(top/all − 1)². */
function pearson(top: readonly number[], all: readonly number[]): number {
  let d = 0;
  all.forEach((a, i) => {
    if (a > 0) d += a * ((top[i] ?? 0) / a - 1) ** 2;
  });
  return d;
}

/** The encoded values of parameter `name` over the trials that set it to a value it can take. */
function encoded<T>(ts: readonly ImportanceTrial[], name: string, encode: (v: number | string) => T | undefined): T[] {
  const out: T[] = [];
  for (const t of ts) {
    const v = t.params[name];
    const e = v === undefined ? undefined : encode(v);
    if (e !== undefined) out.push(e);
  }
  return out;
}

/** The divergence of one parameter between the top trials and all trials that set it (0 when it cannot vary). */
function divergence(p: Parameter, top: readonly ImportanceTrial[], all: readonly ImportanceTrial[]): number {
  const enc = encodingOf(p);
  if (enc.kind === "categories") {
    const topCells = encoded(top, p.name, enc.cell);
    const allCells = encoded(all, p.name, enc.cell);
    return enc.count < 2 || topCells.length === 0 ? 0 : pearson(categoryMass(topCells, enc.count), categoryMass(allCells, enc.count));
  }
  const topX = encoded(top, p.name, enc.at);
  const allX = encoded(all, p.name, enc.at);
  return topX.length === 0 ? 0 : pearson(parzenMass(topX), parzenMass(allX));
}

/**
 * How much each parameter explains the objective over the finished trials (succeeded and early-stopped;
 * PED-ANOVA, global): sorted
 * descending, importances summing to 1; `ok: false` with the reason when there are too few trials or
 * the objective never varies. A parameter absent from a trial (an inactive conditional one) is judged
 * on the trials that set it.
 */
export function importanceReport(parameters: readonly Parameter[], trials: readonly ImportanceTrial[], direction: "minimize" | "maximize"): ImportanceResult {
  const finished = trials.filter((t): t is ImportanceTrial & { value: number } => typeof t.value === "number" && Number.isFinite(t.value) && COUNTED.has(t.outcome === undefined ? "succeeded" : (t.outcome ?? "unfinished")));
  if (finished.length < MIN_IMPORTANCE_TRIALS) {
    return { ok: false, reason: "TooFewTrials", detail: `parameter importance needs at least ${MIN_IMPORTANCE_TRIALS} finished trials, this job has ${finished.length}` };
  }
  const sign = direction === "minimize" ? 1 : -1;
  // Stable: trials with equal values keep their order, so the top set is the same on every run.
  const ranked = [...finished].sort((a, b) => sign * (a.value - b.value));
  const first = ranked[0]?.value;
  if (ranked.every((t) => t.value === first)) {
    return { ok: false, reason: "FlatObjective", detail: `every finished trial has the same objective value (${first}): no parameter explains it` };
  }
  const top = ranked.slice(0, Math.max(2, Math.ceil(TOP_QUANTILE * ranked.length)));
  const raw = parameters.map((p) => ({ parameter: p.name, d: divergence(p, top, ranked) }));
  const total = raw.reduce((s, r) => s + r.d, 0);
  if (!(total > 0)) return { ok: false, reason: "FlatObjective", detail: "the best trials' parameters are distributed like all trials': no parameter explains the objective" };
  const importances = raw.map((r) => ({ parameter: r.parameter, importance: r.d / total })).sort((a, b) => b.importance - a.importance);
  return { ok: true, importances, trials: finished.length };
}

/** Parameter importances sorted descending and summing to 1; empty when `importanceReport` gives none. */
export function parameterImportance(parameters: readonly Parameter[], trials: readonly ImportanceTrial[], direction: "minimize" | "maximize"): ParameterImportance[] {
  const r = importanceReport(parameters, trials, direction);
  return r.ok ? r.importances : [];
}
