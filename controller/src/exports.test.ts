import { test } from "node:test";
import assert from "node:assert/strict";

test("the package's public entry points resolve by name from a checkout", async () => {
  const search = await import("kubetune/search");
  const stopping = await import("kubetune/stopping");
  const api = await import("kubetune/api");
  const trainer = await import("kubetune/trainer");
  assert.equal(typeof search.createOptimizer, "function");
  assert.equal(typeof stopping.createStopper, "function");
  assert.equal(typeof api.TuningJob.parse, "function");
  assert.equal(typeof trainer.connectReporter, "function");
});

test("kubetune/search runs the documented ask/tell loop", async () => {
  const { createOptimizer } = await import("kubetune/search");
  const { Parameters } = await import("kubetune/api");
  const opt = createOptimizer({
    parameters: Parameters.parse([{ name: "lr", type: "double", min: 1e-4, max: 0.1, scale: "log" }, { name: "optimizer", type: "categorical", values: ["adam", "sgd"] }]),
    objective: { metric: "loss", direction: "minimize" },
    algorithm: { name: "bayesian", settings: {} },
    seed: 1,
  });
  const [s] = await opt.ask(1);
  assert.ok(s && typeof s.id === "string");
  assert.ok(["adam", "sgd"].includes(s.params.optimizer as string));
  opt.tell({ id: s.id, value: 0.123 });
  assert.equal(opt.best()?.value, 0.123);
});
