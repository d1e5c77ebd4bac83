import { test } from "node:test";
import assert from "node:assert/strict";
import { appendRow, cholesky, cholInverse, cholSolve, emptyFactor, rowStart, solveLower, solveUpperT } from "./linalg.ts";

const close = (a: number, b: number, tol = 1e-10): void => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

/** A = L·Lᵀ with L = [[2,0,0],[1,3,0],[-1,2,4]], packed by rows. */
const A = Float64Array.from([4, 2, 10, -2, 5, 21]);
const full = (i: number, j: number): number => A[rowStart(Math.max(i, j)) + Math.min(i, j)]!;

test("cholesky factors a hand-computed 3×3 matrix exactly", () => {
  const { L, jitter } = cholesky(A, 3);
  assert.equal(jitter, 0);
  [2, 1, 3, -1, 2, 4].forEach((v, i) => close(L[i]!, v));
});

test("triangular solves and cholSolve invert the factorization", () => {
  const f = cholesky(A, 3);
  const b = [1, -2, 3];
  const x = cholSolve(f, b);
  for (let i = 0; i < 3; i++) close(full(i, 0) * x[0]! + full(i, 1) * x[1]! + full(i, 2) * x[2]!, b[i]!);
  const z = solveLower(f, b, new Float64Array(3));
  close(z[0]!, 0.5);
  close(z[1]!, (-2 - 0.5) / 3);
  const w = solveUpperT(f, [4, 0, 0], new Float64Array(3));
  // Lᵀ·w = [4,0,0]: w2 = 0, w1 = 0, w0 = 2.
  assert.deepEqual(Array.from(w), [2, 0, 0]);
});

test("cholInverse returns the inverse matrix", () => {
  const inv = cholInverse(cholesky(A, 3), new Float64Array(6), new Float64Array(6));
  const at = (i: number, j: number): number => inv[rowStart(Math.max(i, j)) + Math.min(i, j)]!;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += full(i, k) * at(k, j);
      close(s, i === j ? 1 : 0);
    }
  }
});

test("a singular matrix (duplicate points) is factored with escalating jitter", () => {
  const { L, jitter } = cholesky(Float64Array.from([1, 1, 1]), 2);
  assert.ok(jitter > 0 && jitter < 1e-6, `jitter ${jitter}`);
  assert.ok(L.every(Number.isFinite));
});

test("a matrix with NaN entries is reported with a clear error", () => {
  assert.throws(() => cholesky(Float64Array.from([1, Number.NaN, 1]), 2), /not positive definite.*NaN/);
});

test("appending rows one by one is bit-identical to a full factorization", () => {
  const f = emptyFactor(1, 0);
  for (let i = 0; i < 3; i++) assert.ok(appendRow(f, A, rowStart(i), A[rowStart(i) + i]!));
  assert.deepEqual(Array.from(f.L.subarray(0, 6)), Array.from(cholesky(A, 3).L));
  // A pivot that is not positive is refused and leaves the factor as it was, unless it is floored.
  const g = emptyFactor(1, 0);
  appendRow(g, Float64Array.from([1]), 0, 1);
  assert.equal(appendRow(g, Float64Array.from([1]), 0, 1), false);
  assert.equal(g.n, 1);
  assert.ok(appendRow(g, Float64Array.from([1]), 0, 1, true));
  assert.ok(g.L[2]! > 0);
});

test("cholInverse inverts a larger matrix (exercising its four-row blocks and their edges)", () => {
  const n = 11;
  const K = new Float64Array(rowStart(n));
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) K[rowStart(i) + j] = Math.exp(-((i - j) ** 2) / 8) + (i === j ? 0.1 : 0);
  const size = rowStart(n);
  const inv = cholInverse(cholesky(K, n), new Float64Array(size), new Float64Array(size));
  const at = (a: Float64Array, i: number, j: number): number => a[rowStart(Math.max(i, j)) + Math.min(i, j)]!;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += at(K, i, k) * at(inv, k, j);
      close(s, i === j ? 1 : 0, 1e-9);
    }
  }
});
