import { test } from "node:test";
import assert from "node:assert/strict";
import { Parameters } from "../../api/parameters.ts";
import { createSpace } from "./space.ts";

const params = Parameters.parse([
  { name: "lr", type: "double", min: 1e-4, max: 0.3, scale: "log" },
  { name: "batch", type: "int", min: 16, max: 512, scale: "log" },
  { name: "dropout", type: "double", min: 0, max: 0.7, step: 0.05 },
  { name: "opt", type: "categorical", values: ["adam", "sgd", "rmsprop"] },
  { name: "units", type: "discrete", values: [256, 32, 64, 128] },
  { name: "layers", type: "int", min: 1, max: 4 },
]);
const space = createSpace(params);

test("dimensions describe each parameter's shape", () => {
  assert.deepEqual(
    space.dimensions.map((d) => [d.kind, d.levels]),
    [["continuous", Infinity], ["continuous", 497], ["ordinal", 15], ["categorical", 3], ["ordinal", 4], ["ordinal", 4]],
  );
  assert.equal(space.size, Infinity);
});

test("fromUnit yields valid values at the corners and in between", () => {
  assert.deepEqual(space.fromUnit([0, 0, 0, 0, 0, 0]), { lr: 1e-4, batch: 16, dropout: 0, opt: "adam", units: 32, layers: 1 });
  assert.deepEqual(space.fromUnit([1, 1, 1, 1, 1, 1]), { lr: 0.3, batch: 512, dropout: 0.7, opt: "rmsprop", units: 256, layers: 4 });
  const mid = space.fromUnit([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  assert.ok(Math.abs((mid.lr as number) - Math.sqrt(1e-4 * 0.3)) < 1e-6, "log scale: the midpoint is the geometric mean");
  assert.equal(mid.batch, Math.round(Math.sqrt(16 * 512)));
  assert.equal(mid.dropout, 0.35);
});

test("toUnit inverts fromUnit on valid points", () => {
  for (let i = 0; i < 200; i++) {
    const u = space.dimensions.map((_, j) => ((i * 0.618 + j * 0.37) % 1));
    const p = space.fromUnit(u);
    assert.deepEqual(space.fromUnit(space.toUnit(p)), p);
  }
});

test("unknown categorical values are refused with the parameter named", () => {
  assert.throws(() => space.toUnit({ lr: 0.1, batch: 32, dropout: 0, opt: "adagrad", units: 32, layers: 1 }), /parameter opt: "adagrad" is not one of/);
});

test("a fully discrete space has a finite size", () => {
  const s = createSpace(Parameters.parse([
    { name: "a", type: "int", min: 0, max: 9 },
    { name: "b", type: "categorical", values: ["x", "y"] },
  ]));
  assert.equal(s.size, 20);
  assert.equal(s.levelOf(0, 0.95), 9);
  assert.equal(s.key({ a: 3, b: "y" }), '[3,"y"]');
});
