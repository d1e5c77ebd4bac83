import { test } from "node:test";
import assert from "node:assert/strict";
import { validateMessage, type TrialState } from "./validate.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const subject = "kubetune.metrics.ns.job.job-00000";
const known = (state: TrialState) => () => state;

test("a well-formed report for a running trial is accepted", () => {
  const r = validateMessage(subject, enc(JSON.stringify({ trial: "job-00000", step: 3, metrics: { loss: 0.5 } })), known("running"));
  assert.equal(r.ok, true);
  if (r.ok) {
    assert.deepEqual(r.address, { namespace: "ns", job: "job", trial: "job-00000" });
    assert.equal(r.message.step, 3);
  }
});

test("each kind of bad message is rejected with its own reason", () => {
  const body = (o: unknown) => enc(JSON.stringify(o));
  const cases: [string, Uint8Array, TrialState, string][] = [
    [subject, enc("x".repeat(70 * 1024)), "running", "too_large"],
    ["kubetune.metrics.ns.job", body({ trial: "t", step: 0, metrics: {} }), "running", "bad_subject"],
    [subject, enc("{not json"), "running", "invalid_json"],
    [subject, enc('{"trial":"job-00000","step":1,"metrics":{"loss":NaN}}'), "running", "invalid_json"],
    [subject, enc('{"trial":"job-00000","step":1,"metrics":{"loss":1e999}}'), "running", "invalid_schema"],
    [subject, body({ trial: "job-00000", step: -1, metrics: { loss: 1 } }), "running", "invalid_schema"],
    [subject, body({ trial: "job-00000", step: 1, metrics: { loss: "low" } }), "running", "invalid_schema"],
    [subject, body({ trial: "job-00000", step: 1, metrics: {}, extra: true }), "running", "invalid_schema"],
    [subject, body({ trial: "job-00001", step: 1, metrics: { loss: 1 } }), "running", "subject_mismatch"],
    [subject, body({ trial: "job-00000", step: 1, metrics: { loss: 1 } }), "unknown", "unknown_trial"],
    [subject, body({ trial: "job-00000", step: 1, metrics: { loss: 1 } }), "finished", "trial_not_running"],
    [subject, new Uint8Array([0xff, 0xfe, 0x00]), "running", "invalid_json"],
  ];
  for (const [s, data, state, want] of cases) {
    const r = validateMessage(s, data, known(state));
    assert.equal(r.ok, false, `${want} should be rejected`);
    if (!r.ok) {
      assert.equal(r.result, want);
      assert.ok(r.detail.length > 0);
    }
  }
});
