import { test } from "node:test";
import assert from "node:assert/strict";
import { createRetrying } from "./discarded.ts";

test("reports the stream discarded are forgotten once stale, so nothing waits for them forever; stored ones are kept", async () => {
  const r = createRetrying();
  r.add(10, 0);
  r.add(11, 0);
  r.add(12, 40_000);
  const stream = new Set([11, 12]);
  const asked: number[] = [];
  const stored = async (seq: number) => {
    asked.push(seq);
    return stream.has(seq);
  };
  assert.deepEqual(await r.dropDiscarded(stored, 30_000, 50_000), [], "not stale yet: redelivery takes seconds");
  assert.deepEqual(asked, []);
  assert.deepEqual(await r.dropDiscarded(stored, 60_000, 50_000), [10]);
  assert.deepEqual(asked, [10, 11], "only stale reports are asked about");
  assert.deepEqual([...r.seqs()], [11, 12], "a report still stored stays handed back (it will come again)");
  r.delete(11);
  assert.equal(r.size(), 1);
});
