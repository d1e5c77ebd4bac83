/** A small deterministic L-BFGS minimizer with Armijo backtracking, for the GP hyperparameter fit. */

/** The function minimized: returns f(x) and writes ∇f(x) into `grad`; may return Infinity for an infeasible x. */
export type CostFunction = (x: Float64Array, grad: Float64Array) => number;

/** Outcome of a minimization. */
export interface Minimum {
  x: Float64Array;
  value: number;
  evaluations: number;
}

/**
 * Minimizes f from x0 with memory m, stopping after maxEvaluations or when progress stalls. After each
 * evaluation `pause` may return a promise to await (the caller's event-loop turn; see pace.ts).
 */
export async function lbfgs(
  f: CostFunction,
  x0: ArrayLike<number>,
  maxEvaluations: number,
  memory = 8,
  pause: (() => Promise<void> | null) | null = null,
): Promise<Minimum> {
  const p = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(p);
  let fx = f(x, g);
  let evaluations = 1;
  if (!Number.isFinite(fx)) return { x, value: fx, evaluations };
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rhos: number[] = [];
  const dir = new Float64Array(p);
  const alpha = new Float64Array(memory);
  let xn = new Float64Array(p);
  let gn = new Float64Array(p);
  while (evaluations < maxEvaluations) {
    // Two-loop recursion: dir = -H·g.
    for (let i = 0; i < p; i++) dir[i] = -g[i]!;
    for (let k = S.length - 1; k >= 0; k--) {
      const a = rhos[k]! * dot(S[k]!, dir);
      alpha[k] = a;
      axpy(-a, Y[k]!, dir);
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!);
      for (let i = 0; i < p; i++) dir[i] = dir[i]! * gamma;
    } else {
      // First step: move at most 1 unit in log-parameter space.
      const norm = Math.sqrt(dot(dir, dir));
      if (norm > 1) for (let i = 0; i < p; i++) dir[i] = dir[i]! / norm;
    }
    for (let k = 0; k < S.length; k++) {
      const b = rhos[k]! * dot(Y[k]!, dir);
      axpy(alpha[k]! - b, S[k]!, dir);
    }
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rhos.length = 0;
      for (let i = 0; i < p; i++) dir[i] = -g[i]!;
      slope = dot(g, dir);
      if (!(slope < 0)) break;
    }
    let step = 1;
    let fn = Infinity;
    let accepted = false;
    while (evaluations < maxEvaluations) {
      for (let i = 0; i < p; i++) xn[i] = x[i]! + step * dir[i]!;
      fn = f(xn, gn);
      evaluations++;
      const turn = pause?.();
      if (turn) await turn;
      if (Number.isFinite(fn) && fn <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.3;
      if (step < 1e-10) break;
    }
    if (!accepted) break;
    const s = new Float64Array(p);
    const y = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      s[i] = xn[i]! - x[i]!;
      y[i] = gn[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (S.length === memory) {
        S.shift();
        Y.shift();
        rhos.shift();
      }
      S.push(s);
      Y.push(y);
      rhos.push(1 / sy);
    }
    const improvement = fx - fn;
    [x, xn] = [xn, x];
    [g, gn] = [gn, g];
    fx = fn;
    if (improvement < 1e-9 * Math.max(1, Math.abs(fx)) || Math.sqrt(dot(g, g)) < 1e-6) break;
  }
  return { x, value: fx, evaluations };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + a * x[i]!;
}
