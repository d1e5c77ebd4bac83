import { test } from "node:test";
import assert from "node:assert/strict";
import { SearchSpec } from "./search-settings.ts";

test("SearchSpec applies each algorithm's defaults", () => {
  assert.deepEqual(SearchSpec.parse({ algorithm: "sobol" }), { algorithm: "sobol", settings: { scramble: true } });
  assert.deepEqual(SearchSpec.parse({ algorithm: "grid", seed: 3 }), { algorithm: "grid", seed: 3, settings: { order: "lexicographic" } });
  const tpe = SearchSpec.parse({ algorithm: "tpe", settings: { gamma: 0.2 } });
  assert.equal(tpe.algorithm === "tpe" && tpe.settings.gamma, 0.2);
  assert.equal(tpe.algorithm === "tpe" && tpe.settings.startupTrials, 10);
  assert.deepEqual(SearchSpec.parse({ algorithm: "bayesian" }), { algorithm: "bayesian", settings: {} });
});

test("SearchSpec rejects unknown algorithms, settings of another algorithm, and bad seeds, naming the field", () => {
  const issues = (v: unknown) => {
    const r = SearchSpec.safeParse(v);
    assert.ok(!r.success);
    return r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  };
  assert.match(issues({ algorithm: "hyperband" }), /must be one of "grid", "random", "sobol", "bayesian", "tpe"/);
  assert.match(issues({ algorithm: "random", settings: { gamma: 0.1 } }), /settings: Unrecognized key: "gamma"/);
  assert.match(issues({ algorithm: "tpe", settings: { candidates: 0 } }), /settings.candidates: must be an integer from 1 to 10000/);
  assert.match(issues({ algorithm: "sobol", seed: -1 }), /seed: must be an integer from 0 to 2\^53 - 1/);
});
