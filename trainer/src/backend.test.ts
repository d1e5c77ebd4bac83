import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultCandidates, gpuVisible, selectBackend } from "./backend.ts";
import type { BackendCandidate, TfModule } from "./backend.ts";

const fakeTf = {} as TfModule;
const failing = (name: BackendCandidate["name"], reason: string): BackendCandidate => ({
  name,
  load: async () => {
    throw new Error(reason);
  },
});

test("falls back through the candidates in order and says why each was skipped", async () => {
  const loaded: string[] = [];
  const ok = (name: BackendCandidate["name"]): BackendCandidate => ({
    name,
    load: async () => {
      loaded.push(name);
      return fakeTf;
    },
  });
  const b = await selectBackend([failing("tensorflow-gpu", "no NVIDIA GPU is visible"), failing("tensorflow", "not installed"), ok("wasm"), ok("cpu")]);
  assert.equal(b.name, "wasm");
  assert.deepEqual(loaded, ["wasm"]);
  assert.deepEqual(b.skipped, [
    { name: "tensorflow-gpu", reason: "no NVIDIA GPU is visible" },
    { name: "tensorflow", reason: "not installed" },
  ]);
});

test("a forced backend is used alone, and its absence is an error", async () => {
  const b = await selectBackend([failing("wasm", "boom"), { name: "cpu", load: async () => fakeTf }], "cpu");
  assert.equal(b.name, "cpu");
  assert.deepEqual(b.skipped, []);
  await assert.rejects(selectBackend([failing("tensorflow", "@tensorflow/tfjs-node is not installed")], "tensorflow"), /backend=tensorflow is not available \(tensorflow: @tensorflow\/tfjs-node is not installed\)/);
  await assert.rejects(selectBackend([failing("wasm", "x"), failing("cpu", "y")]), /no TensorFlow.js backend could be loaded \(wasm: x; cpu: y\)/);
});

test("the real candidates load a working backend here, skipping the missing native ones", async () => {
  const b = await selectBackend(defaultCandidates());
  const sum = b.tf.add(b.tf.tensor1d([1, 2]), b.tf.tensor1d([3, 4])).dataSync();
  assert.deepEqual([...sum], [4, 6]);
  assert.equal(b.tf.getBackend(), b.name === "tensorflow-gpu" ? "tensorflow" : b.name);
  const gpu = b.skipped.find((s) => s.name === "tensorflow-gpu");
  if (!gpuVisible()) assert.equal(gpu?.reason, "no NVIDIA GPU is visible");
  const cpu = await selectBackend(defaultCandidates(), "cpu");
  assert.equal(cpu.tf.getBackend(), "cpu");
});
