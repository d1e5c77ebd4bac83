import { test } from "node:test";
import assert from "node:assert/strict";
import type { Parameter, Params } from "../../../api/parameters.ts";
import { hypervolume } from "../hypervolume.ts";
import { createOptimizer, type OptimizerConfig } from "../optimizer.ts";

const box: Parameter[] = Array.from({ length: 3 }, (_, i) => ({ name: `x${i}`, type: "double", min: 0, max: 1, scale: "linear" }));

/** ZDT1 in 3 dimensions: the front is f2 = 1 − √f1 at x1 = x2 = 0. */
function zdt1(p: Params): number[] {
  const x = [0, 1, 2].map((i) => Number(p[`x${i}`]));
  const g = 1 + (9 * (x[1]! + x[2]!)) / 2;
  return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))];
}

async function study(name: "random" | "bayesian", seed: number, budget: number, constrained: boolean): Promise<{ points: number[][]; x0: number[]; front: number[] }> {
  const config: OptimizerConfig = {
    parameters: box,
    objectives: [{ metric: "f1", direction: "minimize" }, { metric: "f2", direction: "minimize" }],
    constraints: constrained ? [{ metric: "mem", min: 0.75 }] : undefined,
    algorithm: { name },
    seed,
  };
  const opt = createOptimizer(config);
  const points: number[][] = [];
  const x0: number[] = [];
  for (let t = 0; t < budget; t++) {
    const [s] = await opt.ask(1);
    const values = zdt1(s!.params);
    // A constraint that cuts the front: only x0 >= 0.75 (f1 >= 0.75) is feasible.
    const mem = Number(s!.params.x0);
    opt.tell({ id: s!.id, values, metrics: { mem } });
    points.push(values);
    x0.push(mem);
  }
  return { points, x0, front: opt.paretoFront().map((m) => m.values[0]!) };
}

test("bayesian finds a much better ZDT1 front than random search in 30 trials", async () => {
  for (const seed of [0, 1]) {
    const ref = [1.1, 1.1];
    const random = hypervolume((await study("random", seed, 30, false)).points, ref);
    const bayes = hypervolume((await study("bayesian", seed, 30, false)).points, ref);
    assert.ok(bayes > random + 0.5, `seed ${seed}: bayesian ${bayes.toFixed(3)} vs random ${random.toFixed(3)}`);
  }
});

test("bayesian learns the feasible region of a constraint the objectives do not reveal", async () => {
  // Without the constraint the search spreads along the whole front (x0 anywhere); with it, it stays in
  // the feasible region or on its boundary (where constrained EI puts the optimum, feasible half the time).
  const near = (x0: number[]) => x0.slice(15).filter((x) => x >= 0.7).length;
  const free = await study("bayesian", 3, 30, false);
  const bound = await study("bayesian", 3, 30, true);
  assert.ok(near(free.x0) <= 8, `unconstrained: ${near(free.x0)} of the last 15 suggestions have x0 >= 0.7`);
  assert.ok(near(bound.x0) >= 13, `constrained: ${near(bound.x0)} of the last 15 suggestions have x0 >= 0.7`);
  assert.ok(bound.front.length > 0 && bound.front.every((f1) => f1 >= 0.75), `the front holds only feasible trials: ${bound.front}`);
});
