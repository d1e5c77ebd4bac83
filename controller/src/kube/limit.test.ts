import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachLimit } from "./limit.ts";

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test("never more than the limit in flight, and every item once", async () => {
  let inFlight = 0;
  let peak = 0;
  const seen: number[] = [];
  await forEachLimit([...Array(20).keys()], 3, async (i) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await tick();
    seen.push(i);
    inFlight--;
  });
  assert.equal(peak, 3);
  assert.deepEqual([...seen].sort((a, b) => a - b), [...Array(20).keys()]);
});

test("after a failure no new item starts; the first error is thrown once the started ones settle", async () => {
  const started: number[] = [];
  let settled = 0;
  await assert.rejects(
    forEachLimit([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      await tick();
      settled++;
      if (i === 1) throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(settled, started.length, "nothing was left running");
  assert.ok(started.length <= 3, `started ${started.join(",")}`);
  await forEachLimit([], 4, async () => assert.fail("no items, no calls"));
});
