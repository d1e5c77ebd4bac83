import { test } from "node:test";
import assert from "node:assert/strict";
import { cholesky, choleskyAppend, cholInverse, cholSolve, solveLower, solveUpperT } from "./linalg.ts";

const close = (a: number, b: number, tol = 1e-10): void => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

test("cholesky factors a hand-computed 3×3 matrix exactly", () => {
  // A = L·Lᵀ with L = [[2,0,0],[1,3,0],[-1,2,4]].
  const A = Float64Array.from([4, 2, -2, 2, 10, 5, -2, 5, 21]);
  const { L, jitter } = cholesky(A, 3);
  assert.equal(jitter, 0);
  [2, 0, 0, 1, 3, 0, -1, 2, 4].forEach((v, i) => close(L[i]!, v));
});

test("triangular solves and cholSolve invert the factorization", () => {
  const A = Float64Array.from([4, 2, -2, 2, 10, 5, -2, 5, 21]);
  const { L } = cholesky(A, 3);
  const b = [1, -2, 3];
  const x = cholSolve(L, 3, b);
  for (let i = 0; i < 3; i++) close(A[i * 3]! * x[0]! + A[i * 3 + 1]! * x[1]! + A[i * 3 + 2]! * x[2]!, b[i]!);
  const z = solveLower(L, 3, b, new Float64Array(3));
  close(z[0]!, 0.5);
  close(z[1]!, (-2 - 0.5) / 3);
  const w = solveUpperT(L, 3, [4, 0, 0], new Float64Array(3));
  // Lᵀ·w = [4,0,0]: w2 = 0, w1 = 0, w0 = 2.
  assert.deepEqual(Array.from(w), [2, 0, 0]);
});

test("cholInverse returns the inverse matrix", () => {
  const A = Float64Array.from([4, 2, -2, 2, 10, 5, -2, 5, 21]);
  const inv = cholInverse(cholesky(A, 3).L, 3);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += A[i * 3 + k]! * inv[k * 3 + j]!;
      close(s, i === j ? 1 : 0);
    }
  }
});

test("a singular matrix (duplicate points) is factored with escalating jitter", () => {
  const A = Float64Array.from([1, 1, 1, 1]);
  const { L, jitter } = cholesky(A, 2);
  assert.ok(jitter > 0 && jitter < 1e-6, `jitter ${jitter}`);
  assert.ok(L.every(Number.isFinite));
});

test("a matrix with NaN entries is reported with a clear error", () => {
  assert.throws(() => cholesky(Float64Array.from([1, Number.NaN, Number.NaN, 1]), 2), /not positive definite.*NaN/);
});

test("choleskyAppend matches a full refactorization", () => {
  const A = Float64Array.from([4, 2, -2, 2, 10, 5, -2, 5, 21]);
  const small = cholesky(Float64Array.from([4, 2, 2, 10]), 2);
  const grown = choleskyAppend(small, [-2, 5], 21);
  const full = cholesky(A, 3);
  full.L.forEach((v, i) => close(grown.L[i]!, v));
});
