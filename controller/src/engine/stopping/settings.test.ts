import { test } from "node:test";
import assert from "node:assert/strict";
import { stopperConfigFromSpec } from "./settings.ts";

test("a TuningJob's earlyStopping and objective become the engine's config", () => {
  assert.deepEqual(stopperConfigFromSpec({ algorithm: "asha", settings: { maxResource: 27 } }, { metric: "val_loss", direction: "minimize" }), {
    algorithm: { name: "asha", settings: { minResource: 4, reductionFactor: 3, maxResource: 27, brackets: 1, rankBy: "prediction" } },
    direction: "minimize",
    metric: "val_loss",
  });
  assert.deepEqual(stopperConfigFromSpec(undefined, { metric: "acc", direction: "maximize" }).algorithm, { name: "none", settings: {} });
});
