import { test } from "node:test";
import assert from "node:assert/strict";
import { trialEnv } from "./trial-env.ts";

test("trial env carries identity, params as JSON and the objective", () => {
  const env = Object.fromEntries(trialEnv({ namespace: "ns", job: "j", trial: "j-00001", params: { a: 1, b: "x" }, objective: "val_loss", natsUrl: "nats://h:4222" }).map((e) => [e.name, e.value]));
  assert.deepEqual(env, { KUBETUNE_NAMESPACE: "ns", KUBETUNE_JOB: "j", KUBETUNE_TRIAL: "j-00001", KUBETUNE_PARAMS: '{"a":1,"b":"x"}', KUBETUNE_OBJECTIVE: "val_loss", KUBETUNE_NATS_URL: "nats://h:4222" });
});
