import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1PodSpec } from "@kubernetes/client-node";
import { applyTrialDefaults, loadTrialDefaults } from "./trial-defaults.ts";

const dir = mkdtempSync(join(tmpdir(), "trial-defaults-"));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

// What the chart renders for its default values (GPU count as a JSON number).
const chartDefaults = loadTrialDefaults(
  file(
    "chart.json",
    JSON.stringify({
      image: "kubetune/trainer:0.1.0",
      resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "8Gi", "nvidia.com/gpu": 1 } },
      nodeSelector: {},
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    }),
  ),
);

test("a bare template gets the cluster's image, GPU resources and tolerations", () => {
  const spec = applyTrialDefaults({ containers: [{ name: "trainer" }, { name: "sidecar", image: "busybox" }] }, chartDefaults);
  assert.equal(spec.containers[0]?.image, "kubetune/trainer:0.1.0");
  assert.deepEqual(spec.containers[0]?.resources?.limits, { memory: "8Gi", "nvidia.com/gpu": "1" });
  assert.equal(spec.containers[1]?.resources, undefined, "only the first container is the trainer");
  assert.deepEqual(spec.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
  assert.equal(spec.nodeSelector, undefined, "an empty default nodeSelector adds nothing");
});

test("whatever the template sets wins, and resources are never mixed", () => {
  const mine: V1PodSpec = {
    containers: [{ name: "trainer", image: "me/trainer:2", resources: { limits: { cpu: "2" } } }],
    nodeSelector: { pool: "a100" },
    tolerations: [],
  };
  const spec = applyTrialDefaults(mine, { ...chartDefaults, nodeSelector: { pool: "gpu" } });
  assert.deepEqual(spec, mine);
});

test("a bad defaults file is refused naming the file and the field", () => {
  assert.throws(() => loadTrialDefaults(file("bad.json", JSON.stringify({ image: "", gpu: 1 }))), /bad\.json: image: must name a container image; \(top level\): Unrecognized key: "gpu"/);
  assert.throws(() => loadTrialDefaults(file("broken.json", "{")), /broken\.json: .*JSON/);
  assert.throws(() => loadTrialDefaults(join(dir, "missing.json")), /missing\.json: ENOENT/);
});
