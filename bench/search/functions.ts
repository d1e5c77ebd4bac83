/** Standard test problems for the search benchmark, with their known global minima. */
import type { Parameter, Params } from "../../controller/src/api/parameters.ts";

/** A minimization problem over a declared search space. */
export interface Problem {
  name: string;
  parameters: Parameter[];
  /** Known global minimum, so regret = best found − optimum. */
  optimum: number;
  evaluate(params: Params): number;
}

const box = (d: number, min: number, max: number): Parameter[] =>
  Array.from({ length: d }, (_, i) => ({ name: `x${i}`, type: "double", min, max, scale: "linear" }));
const xs = (p: Params, d: number): number[] => Array.from({ length: d }, (_, i) => Number(p[`x${i}`]));

/** Branin–Hoo on [-5, 10] × [0, 15]. */
export function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]];
const H3_P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]];
const H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381],
];
const H_ALPHA = [1, 1.2, 3, 3.2];

/** Hartmann function with the given A and P (P in units of 1e-4), on [0, 1]^d. */
function hartmann(x: readonly number[], A: number[][], P: number[][]): number {
  let s = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    x.forEach((xj, j) => {
      inner += (A[i]?.[j] ?? 0) * (xj - (P[i]?.[j] ?? 0) * 1e-4) ** 2;
    });
    s += (H_ALPHA[i] ?? 0) * Math.exp(-inner);
  }
  return -s;
}

/** Rosenbrock's valley. */
export function rosenbrock(x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) s += 100 * ((x[i + 1] ?? 0) - (x[i] ?? 0) ** 2) ** 2 + (1 - (x[i] ?? 0)) ** 2;
  return s;
}

/** Ackley's function. */
export function ackley(x: readonly number[]): number {
  const d = x.length;
  const sq = x.reduce((a, v) => a + v * v, 0) / d;
  const cs = x.reduce((a, v) => a + Math.cos(2 * Math.PI * v), 0) / d;
  return -20 * Math.exp(-0.2 * Math.sqrt(sq)) - Math.exp(cs) + 20 + Math.E;
}

/** Levy's function. */
export function levy(x: readonly number[]): number {
  const w = x.map((v) => 1 + (v - 1) / 4);
  const d = w.length;
  const w0 = w[0] ?? 0;
  const wd = w[d - 1] ?? 0;
  let s = Math.sin(Math.PI * w0) ** 2 + (wd - 1) ** 2 * (1 + Math.sin(2 * Math.PI * wd) ** 2);
  for (let i = 0; i < d - 1; i++) {
    const wi = w[i] ?? 0;
    s += (wi - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * wi + 1) ** 2);
  }
  return s;
}

/** Styblinski–Tang. */
export function styblinskiTang(x: readonly number[]): number {
  return x.reduce((a, v) => a + v ** 4 - 16 * v * v + 5 * v, 0) / 2;
}

const BEST_LOG_LR: Record<string, number> = { sgd: -1, momentum: -1.5, adam: -3, rmsprop: -3.5 };
const OPT_PENALTY: Record<string, number> = { sgd: 0.3, momentum: 0.1, adam: 0, rmsprop: 0.05 };
const ACT_PENALTY: Record<string, number> = { relu: 0.02, tanh: 0.1, gelu: 0 };

/**
 * A synthetic "validation loss" over a realistic mixed space (log double, log int, int, stepped double,
 * categoricals) with interactions: the best learning rate depends on the optimizer, and tanh dislikes
 * depth. Minimum 0 at lr = 1e-3, batch = 64, layers = 3, dropout = 0.2, adam, gelu.
 */
export function mixedLoss(p: Params): number {
  const opt = String(p.optimizer);
  const act = String(p.activation);
  const layers = Number(p.layers);
  return (
    0.5 * (Math.log10(Number(p.lr)) - (BEST_LOG_LR[opt] ?? 0)) ** 2 +
    0.02 * Math.log2(Number(p.batch) / 64) ** 2 +
    0.1 * (layers - 3) ** 2 +
    4 * (Number(p.dropout) - 0.2) ** 2 +
    (OPT_PENALTY[opt] ?? 0) +
    (ACT_PENALTY[act] ?? 0) +
    (act === "tanh" ? 0.05 * Math.abs(layers - 3) : 0)
  );
}

/** The benchmark problems, in table order. */
export const PROBLEMS: readonly Problem[] = [
  {
    name: "branin",
    parameters: [
      { name: "x0", type: "double", min: -5, max: 10, scale: "linear" },
      { name: "x1", type: "double", min: 0, max: 15, scale: "linear" },
    ],
    optimum: 0.397887357729739,
    evaluate: (p) => branin(Number(p.x0), Number(p.x1)),
  },
  { name: "hartmann3", parameters: box(3, 0, 1), optimum: -3.86278214782076, evaluate: (p) => hartmann(xs(p, 3), H3_A, H3_P) },
  { name: "hartmann6", parameters: box(6, 0, 1), optimum: -3.32236801141551, evaluate: (p) => hartmann(xs(p, 6), H6_A, H6_P) },
  { name: "rosenbrock4", parameters: box(4, -5, 10), optimum: 0, evaluate: (p) => rosenbrock(xs(p, 4)) },
  { name: "ackley6", parameters: box(6, -32.768, 32.768), optimum: 0, evaluate: (p) => ackley(xs(p, 6)) },
  { name: "levy6", parameters: box(6, -10, 10), optimum: 0, evaluate: (p) => levy(xs(p, 6)) },
  { name: "styblinski-tang4", parameters: box(4, -5, 5), optimum: -39.16616570377142 * 4, evaluate: (p) => styblinskiTang(xs(p, 4)) },
  {
    name: "mixed-mlp",
    parameters: [
      { name: "lr", type: "double", min: 1e-5, max: 1, scale: "log" },
      { name: "batch", type: "int", min: 16, max: 1024, scale: "log" },
      { name: "layers", type: "int", min: 1, max: 8, scale: "linear" },
      { name: "dropout", type: "double", min: 0, max: 0.5, step: 0.05, scale: "linear" },
      { name: "optimizer", type: "categorical", values: ["sgd", "momentum", "adam", "rmsprop"] },
      { name: "activation", type: "categorical", values: ["relu", "tanh", "gelu"] },
    ],
    optimum: 0,
    evaluate: mixedLoss,
  },
];

/**
 * Problems run only when named with --functions (not in the default tables): Rosenbrock-4 on its
 * common domain [−2.048, 2.048]^4, where issue 19 measured the Bayesian optimizer's late stall in the
 * curved valley against Optuna's GP (docs/benchmarks.md).
 */
export const EXTRA_PROBLEMS: readonly Problem[] = [
  { name: "rosenbrock4-dejong", parameters: box(4, -2.048, 2.048), optimum: 0, evaluate: (p) => rosenbrock(xs(p, 4)) },
];

/** The problems a --functions list selects: the default ones when absent; throws on an unknown name. */
export function selectProblems(names: readonly string[] | undefined): Problem[] {
  if (!names) return [...PROBLEMS];
  const all = [...PROBLEMS, ...EXTRA_PROBLEMS];
  const unknown = names.filter((n) => !all.some((p) => p.name === n));
  if (unknown.length) throw new Error(`--functions: unknown ${unknown.join(", ")}; known functions are ${all.map((p) => p.name).join(", ")}`);
  return all.filter((p) => names.includes(p.name));
}

/**
 * The grid version of a problem: every unstepped continuous double gets a step giving L levels with
 * L^d ≥ the budget; log-scaled doubles (which cannot take a step) make the problem unsuitable (null).
 */
export function griddedParameters(parameters: readonly Parameter[], budget: number): Parameter[] | null {
  const free = parameters.filter((p) => p.type === "double" && p.step === undefined).length;
  const levels = Math.max(3, Math.ceil(budget ** (1 / Math.max(1, free))));
  const out: Parameter[] = [];
  for (const p of parameters) {
    if (p.type === "double" && p.step === undefined) {
      if (p.scale === "log") return null;
      out.push({ ...p, step: (p.max - p.min) / (levels - 1) });
    } else out.push(p);
  }
  return out;
}
