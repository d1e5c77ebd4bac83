import { test } from "node:test";
import assert from "node:assert/strict";
import { activeNames } from "../../api/conditions.ts";
import { Parameters, type Params } from "../../api/parameters.ts";
import { snap } from "./bayesian/encode.ts";
import { activePoints, countActive, parentsFirst } from "./conditional.ts";
import { createOptimizer, type HistoryEntry } from "./optimizer.ts";
import { axisValues, createSpace, NEUTRAL, type Dimension } from "./space.ts";
import { tpeGroups } from "./tpe.ts";
import { ALGORITHM_NAMES, type AlgorithmName } from "./types.ts";

/** A finite conditional space: 5 learning rates × (sgd: 3 momenta + adam: 4 betas × 2 amsgrad + rmsprop: 1) = 5 · 12 = 60 points. */
const finite = Parameters.parse([
  { name: "lr", type: "double", min: 0.1, max: 0.5, step: 0.1 },
  { name: "opt", type: "categorical", values: ["sgd", "adam", "rmsprop"] },
  { name: "momentum", type: "discrete", values: [0, 0.5, 0.9], when: { parameter: "opt", in: ["sgd"] } },
  { name: "beta", type: "int", min: 1, max: 4, when: { parameter: "opt", in: ["adam"] } },
  { name: "amsgrad", type: "categorical", values: ["yes", "no"], when: { parameter: "beta", in: [1, 2, 3, 4] } },
]);

/** A continuous conditional space with a nested branch. */
const mixed = Parameters.parse([
  { name: "x", type: "double", min: -2, max: 2 },
  { name: "opt", type: "categorical", values: ["sgd", "adam"] },
  { name: "momentum", type: "double", min: 0, max: 1, when: { parameter: "opt", in: ["sgd"] } },
  { name: "layers", type: "int", min: 1, max: 3 },
  { name: "u3", type: "double", min: 0, max: 1, when: { parameter: "layers", in: [3] } },
]);
const fMixed = (p: Params): number =>
  (Number(p.x) - 0.5) ** 2 + (p.opt === "sgd" ? (Number(p.momentum) - 0.8) ** 2 : 0.3) + (p.layers === 3 ? (Number(p.u3) - 0.2) ** 2 : 0.2);

/** The suggestion's keys are exactly the parameters active at it. */
function assertOnlyActive(ps: typeof finite, p: Params, where: string): void {
  assert.deepEqual(Object.keys(p).sort(), [...activeNames(ps, p)].sort(), `${where}: ${JSON.stringify(p)}`);
}

test("space: fromUnit drops inactive parameters, toUnit puts them at the neutral value, size counts branches exactly", () => {
  const space = createSpace(finite);
  assert.equal(space.conditional, true);
  assert.equal(space.size, 60);
  assert.deepEqual(space.fromUnit([0, 0.1, 0.9, 0.9, 0.9]), { lr: 0.1, opt: "sgd", momentum: 0.9 });
  assert.deepEqual(space.fromUnit([0, 0.5, 0.9, 0.9, 0.9]), { lr: 0.1, opt: "adam", beta: 4, amsgrad: "no" });
  assert.deepEqual(space.fromUnit([0, 0.9, 0.9, 0.9, 0.9]), { lr: 0.1, opt: "rmsprop" });
  assert.deepEqual(space.toUnit({ lr: 0.1, opt: "rmsprop", momentum: 0.5 }), [0.1, 5 / 6, NEUTRAL, NEUTRAL, NEUTRAL]);
  assert.throws(() => space.toUnit({ lr: 0.1, opt: "sgd" }), /momentum is missing/);
  assert.equal(space.key({ lr: 0.1, opt: "rmsprop", beta: 2 }), space.key({ lr: 0.1, opt: "rmsprop" }), "inactive values do not change a point's identity");
  assert.deepEqual(space.neutralize([0, 0.9, 0.2, 0.3, 0.4]), [0, 0.9, NEUTRAL, NEUTRAL, NEUTRAL]);
  assert.equal(createSpace(mixed).size, Infinity);
});

test("counting and listing agree, including a child declared before its parent", () => {
  const reordered = Parameters.parse([finite[4], finite[3], finite[2], finite[1], finite[0]]);
  assert.deepEqual(parentsFirst(reordered), [3, 1, 0, 2, 4]);
  const space = createSpace(reordered);
  const axes = reordered.map((p, i) => axisValues(p, space.dimensions[i] as Dimension));
  assert.equal(space.size, 60);
  assert.equal(countActive(reordered, space.dimensions, (i) => axes[i] ?? []), 60);
  const listed = activePoints(reordered, axes, 1000) ?? [];
  assert.equal(listed.length, 60);
  assert.equal(new Set(listed.map((p) => space.key(p))).size, 60);
  listed.forEach((p) => assertOnlyActive(reordered, p, "listed point"));
  assert.equal(activePoints(reordered, axes, 59), null, "more points than the limit");
});

test("bayesian's encoding puts inactive coordinates at the neutral value", () => {
  const space = createSpace(mixed);
  const u = snap(space, Float64Array.from([0.1, 0.9, 0.3, 0.1, 0.7]));
  assert.deepEqual(Array.from(u), [0.1, 0.75, NEUTRAL, 1 / 6, NEUTRAL]);
});

test("tpe groups the parameters active under the same conditions", () => {
  assert.deepEqual(tpeGroups(createSpace(finite), true), [[0, 1], [2], [3], [4]]);
  assert.deepEqual(tpeGroups(createSpace(mixed), true), [[0, 1, 3], [2], [4]]);
  assert.deepEqual(tpeGroups(createSpace(mixed), false), [[0], [1], [2], [3], [4]]);
});

/** Runs `trials` sequential trials (asking in batches of 2 so pending points are exercised) and returns every suggestion. */
async function run(name: AlgorithmName, ps: typeof finite, trials: number, history: HistoryEntry[] = []): Promise<{ seen: Params[]; history: HistoryEntry[] }> {
  const opt = createOptimizer({ parameters: ps, objective: { metric: "f", direction: "minimize" }, algorithm: { name }, seed: 3 }, history);
  const seen: Params[] = [];
  while (seen.length < trials) {
    const batch = await opt.ask(Math.min(2, trials - seen.length));
    if (batch.length === 0) break;
    for (const s of batch) {
      seen.push(s.params);
      opt.tell({ id: s.id, value: fMixed(s.params) + (s.params.opt === "adam" ? Number(s.params.beta ?? 0) : 0) });
    }
  }
  return { seen, history: opt.history() };
}

for (const name of ALGORITHM_NAMES) {
  test(`${name}: suggestions carry only active parameters, every branch is explored, and a rebuild continues identically`, async () => {
    const ps = name === "grid" ? finite : mixed;
    const trials = name === "grid" ? 70 : 30;
    const { seen, history } = await run(name, ps, trials);
    seen.forEach((p, i) => assertOnlyActive(ps, p, `${name} suggestion ${i}`));
    assert.deepEqual(new Set(seen.map((p) => p.opt)), new Set(name === "grid" ? ["sgd", "adam", "rmsprop"] : ["sgd", "adam"]));
    if (name !== "grid") assert.ok(seen.some((p) => p.u3 !== undefined) && seen.some((p) => p.layers !== 3), `${name}: both sides of layers = 3`);
    assert.equal(new Set(seen.map((p) => createSpace(ps).key(p))).size, seen.length, `${name}: no point twice`);
    if (name === "grid") {
      assert.equal(seen.length, 60, "the conditional grid has exactly 60 points, each visited once");
      return;
    }
    const half = history.slice(0, 20);
    const resumed = await run(name, ps, 10, half);
    assert.deepEqual(resumed.seen, seen.slice(20, 30), `${name}: the rebuilt optimizer continues identically`);
  });
}

test("told observations and history keep only active parameters, even when history carried inactive ones", async () => {
  const opt = createOptimizer({ parameters: finite, objective: { metric: "f", direction: "minimize" }, algorithm: { name: "random" }, seed: 1 }, [
    { params: { lr: 0.2, opt: "rmsprop", momentum: 0.5, beta: 3 }, value: 1 },
  ]);
  assert.deepEqual(opt.history()[0]?.params, { lr: 0.2, opt: "rmsprop" });
  assert.throws(() => createOptimizer({ parameters: finite, objective: { metric: "f", direction: "minimize" }, algorithm: { name: "random" } }, [{ params: { lr: 0.2, opt: "sgd" }, value: 1 }]), /momentum is missing/);
});

test("tpe learns a branch's parameter from the trials of that branch", async () => {
  const opt = createOptimizer({ parameters: mixed, objective: { metric: "f", direction: "minimize" }, algorithm: { name: "tpe" }, seed: 5 });
  const momenta: number[] = [];
  for (let t = 0; t < 80; t++) {
    const [s] = await opt.ask(1);
    if (!s) break;
    if (t >= 50 && s.params.momentum !== undefined) momenta.push(Number(s.params.momentum));
    opt.tell({ id: s.id, value: fMixed(s.params) });
  }
  const near = momenta.filter((m) => Math.abs(m - 0.8) < 0.2).length;
  assert.ok(momenta.length >= 10 && near >= 0.6 * momenta.length, `late sgd momenta ${JSON.stringify(momenta)}`);
});

for (const name of ["tpe", "bayesian", "random"] as const) {
  test(`${name}: a two-objective, constrained job on a conditional space suggests only active parameters and keeps a feasible front`, async () => {
    const opt = createOptimizer({
      parameters: mixed,
      objectives: [{ metric: "err", direction: "minimize" }, { metric: "size", direction: "minimize" }],
      constraints: [{ metric: "mem", max: 0.8 }],
      algorithm: { name },
      seed: 2,
    });
    for (let t = 0; t < 24; t++) {
      const [s] = await opt.ask(1);
      if (!s) break;
      assertOnlyActive(mixed, s.params, `${name} suggestion ${t}`);
      const size = Number(s.params.layers) + (s.params.opt === "sgd" ? 1 : 0);
      opt.tell({ id: s.id, values: [fMixed(s.params), size], metrics: { mem: Math.abs(Number(s.params.x)) } });
    }
    const front = opt.paretoFront();
    assert.ok(front.length > 0);
    for (const m of front) {
      assertOnlyActive(mixed, m.params, `${name} front member`);
      assert.ok(Math.abs(Number(m.params.x)) <= 0.8, "front members are feasible");
    }
  });
}
