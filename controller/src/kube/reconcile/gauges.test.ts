import { test } from "node:test";
import assert from "node:assert/strict";
import { createMetrics } from "../../telemetry/metrics.ts";
import { createJobGauges } from "./gauges.ts";

test("a multi-objective job exports its front size, and loses it when deleted", async () => {
  const m = createMetrics();
  const gauges = createJobGauges(m);
  gauges.export("ns", "mo", "val_loss", "Running", { paretoFrontSize: 5, paretoFront: [] });
  gauges.export("ns", "single", "loss", "Running", { bestTrial: { name: "single-00000", params: {}, value: 0.1 } });
  const text = async () => m.registry.metrics();
  assert.match(await text(), /^kubetune_pareto_front_trials\{namespace="ns",job="mo"\} 5$/m);
  assert.doesNotMatch(await text(), /kubetune_pareto_front_trials\{namespace="ns",job="single"\}/, "a single-objective job has no front");
  assert.ok(gauges.drop("ns", "mo", "val_loss"));
  assert.doesNotMatch(await text(), /kubetune_pareto_front_trials\{namespace="ns",job="mo"\}/);
});
