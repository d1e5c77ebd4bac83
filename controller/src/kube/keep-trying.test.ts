import { test } from "node:test";
import assert from "node:assert/strict";
import { keepTrying } from "./keep-trying.ts";

test("keepTrying retries a failing start, telling each failure, until it starts", async () => {
  const failures: string[] = [];
  let calls = 0;
  const started = await keepTrying(
    async () => {
      if (++calls < 3) throw new Error(`try ${calls}`);
      return "ingest";
    },
    { stopped: () => false, failed: (e) => failures.push((e as Error).message), delayMs: 1 },
  );
  assert.equal(started, "ingest");
  assert.deepEqual(failures, ["try 1", "try 2"]);
});

test("keepTrying gives up without a word once a failure comes after it was stopped", async () => {
  let stopped = false;
  const failures: unknown[] = [];
  const started = await keepTrying(
    async () => {
      stopped = true;
      throw new Error("NATS is away");
    },
    { stopped: () => stopped, failed: (e) => failures.push(e), delayMs: 1 },
  );
  assert.equal(started, undefined);
  assert.deepEqual(failures, []);
});
