import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffMs } from "./backoff.ts";

test("backoff doubles per failure and is capped", () => {
  assert.deepEqual([1, 2, 3, 4, 10].map((n) => backoffMs(n, 100, 1000, () => 1)), [100, 200, 400, 800, 1000]);
  // Jittered between half and all of the capped delay, never past the cap.
  assert.deepEqual([1, 4, 10, 40].map((n) => backoffMs(n, 100, 1000, () => 0)), [50, 400, 500, 500]);
  for (let i = 0; i < 100; i++) {
    const d = backoffMs(12, 100, 1000);
    assert.ok(d >= 500 && d <= 1000, `${d} within [500, 1000]`);
  }
});
