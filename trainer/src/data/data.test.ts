import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseParams } from "../params.ts";
import { datasetFromCsv, parseCsvRows } from "./csv.ts";
import { limitRows, selectRows } from "./dataset.ts";
import { loadIris } from "./iris.ts";
import { loadDataset } from "./load.ts";
import { loadMnist } from "./mnist.ts";
import { columnStats, holdoutSplit, kFoldSplits, standardize } from "./split.ts";
import { makeSynthetic, SYNTHETIC_DEFAULTS } from "./synthetic.ts";

test("iris ships with 150 rows, 4 features and 50 flowers of each of 3 species", () => {
  const ds = loadIris();
  assert.equal(ds.n, 150);
  assert.equal(ds.features, 4);
  assert.deepEqual(ds.classes, ["setosa", "versicolor", "virginica"]);
  const counts = [0, 0, 0];
  for (const c of ds.y) counts[c] = (counts[c] ?? 0) + 1;
  assert.deepEqual(counts, [50, 50, 50]);
  assert.deepEqual([...ds.x.subarray(0, 4)].map((v) => Number(v.toFixed(1))), [5.1, 3.5, 1.4, 0.2]);
});

test("mnist loads 28×28 digits with pixels in [0, 1] and all ten labels", () => {
  const ds = loadMnist();
  assert.equal(ds.features, 784);
  assert.ok(ds.n >= 9000, `only ${ds.n} digits`);
  assert.equal(ds.x.length, ds.n * 784);
  let min = Infinity;
  let max = -Infinity;
  for (const v of ds.x) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.equal(min, 0);
  assert.ok(max <= 1 && max > 0.9);
  assert.deepEqual([...new Set(ds.y)].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const small = limitRows(ds, 1000);
  const perClass = new Map<number, number>();
  for (const c of small.y) perClass.set(c, (perClass.get(c) ?? 0) + 1);
  assert.deepEqual([...perClass.values()], Array(10).fill(100));
});

test("CSV parsing handles quotes, CRLF and class labels; bad cells are located", () => {
  assert.deepEqual(parseCsvRows('a,b\r\n"x, ""y""",2\n\n'), [["a", "b"], ['x, "y"', "2"]]);
  const ds = datasetFromCsv("f1,label,f2\n1,b,2\n3,a,4\n5,b,6\n", { name: "t.csv", target: "label", task: "classification" });
  assert.deepEqual(ds.classes, ["a", "b"]);
  assert.deepEqual([...ds.y], [1, 0, 1]);
  assert.deepEqual([...ds.x], [1, 2, 3, 4, 5, 6]);
  const reg = datasetFromCsv("x,y\n1,2.5\n2,4.5\n", { name: "r.csv", target: "y", task: "regression" });
  assert.deepEqual([...reg.y], [2.5, 4.5]);
  assert.throws(() => datasetFromCsv("x,y\n1,2\n", { name: "t.csv", target: "z", task: "regression" }), /t.csv: no column named "z"; columns are x, y/);
  assert.throws(() => datasetFromCsv("x,y\n1,2\nabc,3\n", { name: "t.csv", target: "y", task: "regression" }), /t.csv:3: column x is "abc", not a number/);
  assert.throws(() => datasetFromCsv("x,y\n1,2\n1\n", { name: "t.csv", target: "y", task: "regression" }), /t.csv:3: has 1 fields, the header has 2/);
  assert.throws(() => datasetFromCsv("x,y\n1,cat\n", { name: "t.csv", target: "y", task: "regression" }), /regression targets must be numbers/);
  assert.throws(() => datasetFromCsv("x,y\n1,a\n2,a\n", { name: "t.csv", target: "y", task: "classification" }), /only one distinct value/);
});

test("a user CSV is loaded through the parameters", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-csv-"));
  const path = join(dir, "houses.csv");
  writeFileSync(path, "rooms,area,price\n3,70,200\n4,90,260\n2,50,150\n");
  const ds = loadDataset(parseParams(undefined, ["--dataset=csv", `--csv=${path}`, "--target=price", "--task=regression"]));
  assert.equal(ds.task, "regression");
  assert.deepEqual([...ds.y], [200, 260, 150]);
  assert.throws(() => loadDataset(parseParams(undefined, ["--dataset=csv", `--csv=${join(dir, "missing.csv")}`, "--target=price"])), /cannot read csv=.*missing.csv: ENOENT/);
});

test("synthetic data is seeded and learnable-shaped", () => {
  const a = makeSynthetic({ ...SYNTHETIC_DEFAULTS, task: "classification", seed: 5 });
  const b = makeSynthetic({ ...SYNTHETIC_DEFAULTS, task: "classification", seed: 5 });
  const c = makeSynthetic({ ...SYNTHETIC_DEFAULTS, task: "classification", seed: 6 });
  assert.deepEqual(a.x, b.x);
  assert.notDeepEqual(a.x, c.x);
  assert.equal(a.classes.length, 3);
  const r = makeSynthetic({ ...SYNTHETIC_DEFAULTS, task: "regression", seed: 5 });
  assert.equal(r.classes.length, 0);
  assert.equal(r.n, 600);
});

test("holdout splits are seeded, disjoint and cover every row", () => {
  const s = holdoutSplit(100, 0.2, 1);
  assert.equal(s.val.length, 20);
  assert.equal(s.train.length, 80);
  assert.deepEqual([...s.train, ...s.val].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(holdoutSplit(100, 0.2, 1), s);
  assert.notDeepEqual(holdoutSplit(100, 0.2, 2).val, s.val);
  assert.equal(holdoutSplit(3, 0.01, 1).val.length, 1);
  assert.throws(() => holdoutSplit(1, 0.2, 1), /at least 2 rows/);
});

test("k-fold validates every row exactly once", () => {
  const folds = kFoldSplits(23, 5, 3);
  assert.equal(folds.length, 5);
  const seen = folds.flatMap((f) => [...f.val]).sort((x, y) => x - y);
  assert.deepEqual(seen, Array.from({ length: 23 }, (_, i) => i));
  for (const f of folds) {
    assert.equal(f.train.length + f.val.length, 23);
    assert.ok(f.val.length === 4 || f.val.length === 5);
    assert.equal(new Set([...f.train, ...f.val]).size, 23);
  }
  assert.throws(() => kFoldSplits(3, 5, 1), /folds=5 needs 2 ≤ folds ≤ rows \(3\)/);
});

test("standardization uses only the training rows' statistics", () => {
  const ds = datasetFromCsv("x,y\n0,a\n2,b\n100,a\n", { name: "t", target: "y", task: "classification" });
  const train = Int32Array.from([0, 1]);
  const stats = columnStats(ds.x, 1, train);
  assert.deepEqual([stats.mean[0], stats.std[0]], [1, 1]);
  const val = selectRows(ds, Int32Array.from([2]));
  assert.deepEqual([...standardize(val.x, 1, stats)], [99]);
});
