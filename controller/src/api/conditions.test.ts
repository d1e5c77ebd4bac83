import { test } from "node:test";
import assert from "node:assert/strict";
import { Parameters } from "./parameters.ts";
import { activeNames, isConditional, prune } from "./conditions.ts";

/** The issues of a refused list as "path: message" lines. */
function issues(list: unknown): string[] {
  const r = Parameters.safeParse(list);
  assert.equal(r.success, false, "the list should be refused");
  return r.error ? r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) : [];
}

const opt = { name: "opt", type: "categorical", values: ["sgd", "adam"] };

test("a parameter may be conditional on a categorical, discrete, int or stepped double", () => {
  const r = Parameters.safeParse([
    opt,
    { name: "momentum", type: "double", min: 0, max: 0.99, when: { parameter: "opt", in: ["sgd"] } },
    { name: "layers", type: "int", min: 1, max: 4 },
    { name: "l3", type: "int", min: 8, max: 64, when: { parameter: "layers", in: [3, 4] } },
    { name: "width", type: "discrete", values: [1, 2] },
    { name: "w2", type: "categorical", values: ["a"], when: { parameter: "width", in: [2] } },
    { name: "drop", type: "double", min: 0, max: 0.5, step: 0.1 },
    { name: "d2", type: "double", min: 0, max: 1, when: { parameter: "drop", in: [0.3, 0.5] } },
  ]);
  assert.equal(r.success, true, JSON.stringify(r.error?.issues));
  assert.equal(isConditional(r.data ?? []), true);
});

test("unknown parents and self-references are refused at the when's path", () => {
  assert.deepEqual(issues([opt, { name: "m", type: "double", min: 0, max: 1, when: { parameter: "optimizer", in: ["sgd"] } }]), [
    '1.when.parameter: unknown parameter "optimizer"; declared parameters: opt',
  ]);
  assert.match(issues([opt, { name: "m", type: "discrete", values: [1, 2], when: { parameter: "m", in: [1] } }])[0] ?? "", /^1\.when\.parameter: m cannot depend on itself/);
});

test("a cycle is refused once, naming every member", () => {
  const found = issues([
    opt,
    { name: "a", type: "discrete", values: [1, 2], when: { parameter: "c", in: [1] } },
    { name: "b", type: "discrete", values: [1, 2], when: { parameter: "a", in: [1] } },
    { name: "c", type: "discrete", values: [1, 2], when: { parameter: "b", in: [2] } },
    { name: "d", type: "discrete", values: [1, 2], when: { parameter: "c", in: [2] } },
  ]);
  assert.deepEqual(found, ["1.when.parameter: conditions form a cycle a → c → b → a; no parameter of it could ever be active, so break the cycle"]);
});

test("in values the parent can never take are refused with their index", () => {
  const bad = [
    opt,
    { name: "layers", type: "int", min: 1, max: 4 },
    { name: "drop", type: "double", min: 0, max: 0.5, step: 0.1 },
    { name: "lr", type: "double", min: 0, max: 1 },
    { name: "x1", type: "double", min: 0, max: 1, when: { parameter: "opt", in: ["sgd", "rmsprop"] } },
    { name: "x2", type: "double", min: 0, max: 1, when: { parameter: "layers", in: [2, 2.5, 9, "3"] } },
    { name: "x3", type: "double", min: 0, max: 1, when: { parameter: "drop", in: [0.25] } },
    { name: "x4", type: "double", min: 0, max: 1, when: { parameter: "lr", in: [0.5] } },
    { name: "x5", type: "double", min: 0, max: 1, when: { parameter: "opt", in: ["sgd", "sgd"] } },
  ];
  const found = issues(bad);
  assert.deepEqual(found.map((f) => f.split(":")[0]), ["4.when.in.1", "5.when.in.1", "5.when.in.2", "5.when.in.3", "6.when.in.0", "7.when.in.0", "8.when.in.1"]);
  assert.match(found[0] ?? "", /"rmsprop" is not one of opt's values \["sgd","adam"\]/);
  assert.match(found[1] ?? "", /2\.5 is not on layers's grid/);
  assert.match(found[2] ?? "", /9 is outside layers's range \[1, 4\]/);
  assert.match(found[3] ?? "", /is a string but layers is an int/);
  assert.match(found[5] ?? "", /continuous double.*give lr a step/);
  assert.match(found[6] ?? "", /duplicate value "sgd"/);
});

test("a categorical parent needs string values, a numeric parent numbers", () => {
  const found = issues([{ name: "k", type: "categorical", values: ["3"] }, { name: "m", type: "double", min: 0, max: 1, when: { parameter: "k", in: [3] } }]);
  assert.match(found[0] ?? "", /^1\.when\.in\.0: .*write it as the string "3"/);
  assert.ok(issues([opt, { name: "m", type: "double", min: 0, max: 1, when: { parameter: "opt", in: [] } }]).some((f) => f.startsWith("1.when.in:")));
  assert.ok(issues([opt, { name: "m", type: "double", min: 0, max: 1, when: { parameter: "opt", in: ["sgd"], extra: 1 } }]).length > 0);
});

test("activity follows the chain of parents", () => {
  const ps = Parameters.parse([
    { name: "layers", type: "int", min: 1, max: 3 },
    { name: "u2", type: "int", min: 8, max: 64, when: { parameter: "layers", in: [2, 3] } },
    { name: "act2", type: "categorical", values: ["relu", "tanh"], when: { parameter: "u2", in: [32, 64] } },
    { name: "slope", type: "double", min: 0, max: 1, when: { parameter: "act2", in: ["relu"] } },
  ]);
  assert.deepEqual([...activeNames(ps, { layers: 1, u2: 32, act2: "relu", slope: 0.1 })], ["layers"]);
  assert.deepEqual([...activeNames(ps, { layers: 2, u2: 32, act2: "relu", slope: 0.1 })], ["layers", "u2", "act2", "slope"]);
  assert.deepEqual([...activeNames(ps, { layers: 2, u2: 9, act2: "relu", slope: 0.1 })], ["layers", "u2"]);
  assert.deepEqual(prune(ps, { layers: 3, u2: 64, act2: "tanh", slope: 0.1, other: 5 }), { layers: 3, u2: 64, act2: "tanh" });
  assert.deepEqual(prune(ps, { layers: 3 }), { layers: 3 }, "a missing parent value leaves its children inactive");
});
