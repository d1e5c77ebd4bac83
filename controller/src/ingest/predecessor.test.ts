import { test } from "node:test";
import assert from "node:assert/strict";
import { createPredecessor, reportMode } from "./predecessor.ts";

test("a report applied before is replayed, one new while the predecessor's are still due is deferred, then live", () => {
  const fresh = { seq: 11, redelivered: false };
  const state = { predecessorUpTo: 10, neverApplied: false, predecessorDone: false };
  assert.equal(reportMode({ seq: 7, redelivered: true }, state), "replayed", "delivered to the predecessor: it judged it");
  assert.equal(reportMode({ seq: 7, redelivered: true }, { ...state, predecessorDone: true, neverApplied: true }), "replayed", "still the predecessor's, whatever happened here");
  assert.equal(reportMode(fresh, state), "deferred", "the predecessor's unacknowledged reports are still to come back");
  assert.equal(reportMode(fresh, { ...state, predecessorDone: true }), "live");
  assert.equal(reportMode({ seq: 12, redelivered: true }, { ...state, predecessorDone: true }), "replayed", "this consumer applied it before a failed persist or ack");
  assert.equal(reportMode({ seq: 12, redelivered: true }, { ...state, predecessorDone: true, neverApplied: true }), "live", "handed back while its job was loading: never judged");
});

test("the predecessor is done once each of its unacknowledged reports has come back, however often", () => {
  const p = createPredecessor({ upTo: 10, unacked: 3, now: 0, settleMs: 20_000 });
  assert.equal(p.upTo, 10);
  assert.equal(p.done(0), false);
  p.delivered(4);
  p.delivered(4);
  p.delivered(11);
  p.delivered(12);
  assert.equal(p.done(1), false, "a report delivered twice, and new reports, do not count for the predecessor");
  p.delivered(7);
  assert.equal(p.done(1), false);
  p.delivered(9);
  assert.equal(p.done(1), true);
});

test("a predecessor that acked its reports itself (a handover) stops being waited for after the settle time", () => {
  const p = createPredecessor({ upTo: 10, unacked: 2, now: 1_000, settleMs: 20_000 });
  p.delivered(5);
  assert.equal(p.done(20_999), false);
  assert.equal(p.done(21_000), true);
});

test("a consumer with nothing left unacknowledged by a predecessor is done at once", () => {
  const p = createPredecessor({ upTo: 0, unacked: 0, now: 0, settleMs: 20_000 });
  assert.equal(p.done(0), true);
});
