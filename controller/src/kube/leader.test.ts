import { test } from "node:test";
import assert from "node:assert/strict";
import { canAcquire, microTime, withDeadline } from "./leader.ts";

test("a lease can be taken when free, released, expired, or already ours — not while another holder renews it", () => {
  const now = Date.parse("2026-01-01T00:00:10Z");
  const held = { holderIdentity: "a", leaseDurationSeconds: 15, renewTime: new Date("2026-01-01T00:00:00Z") };
  assert.equal(canAcquire(undefined, "b", now), true);
  assert.equal(canAcquire({ ...held, holderIdentity: "" }, "b", now), true);
  assert.equal(canAcquire(held, "a", now), true);
  assert.equal(canAcquire(held, "b", now), false);
  assert.equal(canAcquire(held, "b", now + 6_000), true);
});

test("lease times carry microseconds, as the API server requires", () => {
  assert.equal(String(microTime(new Date("2026-01-01T00:00:00.123Z"))), "2026-01-01T00:00:00.123000Z");
});

test("a lease call that never answers fails after its deadline, naming what did not answer; one that answers passes", async () => {
  await assert.rejects(withDeadline(new Promise<never>(() => {}), 20, "lease ns/l"), /lease ns\/l: no answer within 20 ms/);
  assert.equal(await withDeadline(Promise.resolve(true), 1000, "lease ns/l"), true);
});
