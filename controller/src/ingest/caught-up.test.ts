import { test } from "node:test";
import assert from "node:assert/strict";
import { createCaughtUp } from "./caught-up.ts";

test("caught up to the stream head's store time once everything delivered is stored", () => {
  const c = createCaughtUp(0);
  assert.equal(c.caughtUpSince(1), false);
  c.delivered(1, undefined);
  c.allStored(true);
  assert.equal(c.caughtUpSince(1), false, "the last delivery was not the stream's head: later reports are still to come");
  c.delivered(2, 5_000);
  assert.equal(c.caughtUpSince(5_000), false, "delivered, not yet stored");
  c.allStored(true);
  assert.equal(c.caughtUpSince(5_000), true);
  assert.equal(c.caughtUpSince(5_001), false, "published after the head was stored");
  c.delivered(3, 4_000);
  c.allStored(true);
  assert.equal(c.caughtUpSince(5_000), true, "never goes back");
});

test("not caught up while a report is handed back or the predecessor's reports may still come", () => {
  const c = createCaughtUp(0);
  c.delivered(1, undefined);
  c.handedBack(1, 0, false);
  c.delivered(2, 5_000);
  c.allStored(true);
  assert.equal(c.caughtUpSince(5_000), false, "report 1 is still to come back");
  c.delivered(1, 5_000);
  c.allStored(false);
  assert.equal(c.caughtUpSince(5_000), false, "the predecessor's unacknowledged reports are still due");
  c.allStored(true);
  assert.equal(c.caughtUpSince(5_000), true);
});

test("a report handed back before it was ever applied is judged for the first time when it comes again", () => {
  const c = createCaughtUp(0);
  assert.equal(c.delivered(1, undefined), false);
  c.handedBack(1, 0, false);
  c.handedBack(2, 0, true);
  assert.equal(c.delivered(1, undefined), true, "its job was loading: never applied");
  assert.equal(c.delivered(1, undefined), false, "once");
  assert.equal(c.delivered(2, undefined), false, "applied before a failed persist");
});

test("settled up to the first report not yet stored or handed back", () => {
  const c = createCaughtUp(10);
  assert.equal(c.settledUpTo([]), 10, "what the predecessor was delivered");
  for (const seq of [11, 12, 13, 14, 15]) c.delivered(seq, undefined);
  assert.equal(c.settledUpTo([]), 15);
  assert.equal(c.settledUpTo([14, 15]), 13);
  c.handedBack(12, 0, false);
  assert.equal(c.settledUpTo([14, 15]), 11);
  c.delivered(12, undefined);
  assert.equal(c.settledUpTo([12, 14]), 11, "delivered again and applied, not yet stored");
  assert.equal(c.settledUpTo([]), 15);
});

test("reports the stream discarded while handed back are no longer waited for", async () => {
  const c = createCaughtUp(0);
  for (const seq of [1, 2, 3]) c.delivered(seq, undefined);
  c.handedBack(1, 0, false);
  c.handedBack(2, 0, false);
  c.handedBack(3, 50_000, false);
  assert.equal(c.settledUpTo([]), 0);
  const gone = await c.dropDiscarded(async (seq) => seq === 2, 60_000, 40_000);
  assert.deepEqual(gone, [1], "2 is still stored, 3 was handed back too recently to ask about");
  assert.equal(c.settledUpTo([]), 1);
  assert.equal(c.delivered(1, undefined), false, "forgotten: if it came after all, it would not count as never applied");
});
