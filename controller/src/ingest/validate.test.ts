import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_METRICS_PER_REPORT, MAX_STEP, MetricMessage } from "../api/metrics.ts";
import type { TrialAdmission } from "./metrics-target.ts";
import { boundMetricNames, isWellFormedReport, validateMessage } from "./validate.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const subject = "kubetune.metrics.ns.job.job-00000";
type State = TrialAdmission["state"];
const known = (state: State, metrics?: Record<string, number>) => (): TrialAdmission => (state === "running" ? { state, uid: undefined, metrics } : { state });

test("a well-formed report for a running trial is accepted", () => {
  const r = validateMessage(subject, enc(JSON.stringify({ trial: "job-00000", step: 3, metrics: { loss: 0.5 } })), known("running"));
  assert.equal(r.ok, true);
  if (r.ok) {
    assert.deepEqual(r.address, { namespace: "ns", job: "job", trial: "job-00000" });
    assert.equal(r.message.step, 3);
  }
});

test("the largest step and the most metrics a report may carry are accepted", () => {
  const metrics = Object.fromEntries(Array.from({ length: MAX_METRICS_PER_REPORT }, (_, i) => [`m${i}`, i]));
  const r = validateMessage(subject, enc(JSON.stringify({ trial: "job-00000", step: MAX_STEP, metrics })), known("running"));
  assert.equal(r.ok, true);
});

test("a reserved metric name's detail names it and says how to fix it", () => {
  const r = validateMessage(subject, enc('{"trial":"job-00000","step":1,"metrics":{"__proto__":0.1}}'), known("running"));
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.detail, /"__proto__" is reserved.*rename the metric/);
});

test("boundMetricNames keeps known names, admits new ones up to the bound in report order, and drops the rest", () => {
  assert.deepEqual(boundMetricNames({ a: 1, b: 2 }, { a: 0 }, 3), { metrics: { a: 1, b: 2 }, dropped: [] });
  assert.deepEqual(boundMetricNames({ c: 3, a: 1, d: 4 }, { a: 0, b: 0 }, 3), { metrics: { c: 3, a: 1 }, dropped: ["d"] });
  assert.deepEqual(boundMetricNames({ a: 1, z: 9 }, { a: 0, b: 0, c: 0 }, 3), { metrics: { a: 1 }, dropped: ["z"] });
  // Only own names count as known: an inherited property is not a reported metric.
  assert.deepEqual(boundMetricNames({ hasOwnProperty: 1 }, { a: 0 }, 1), { metrics: {}, dropped: ["hasOwnProperty"] });
});

test("validateMessage applies the per-trial bound to the names the trial already has", () => {
  const have = Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`m${i}`, i]));
  const r = validateMessage(subject, enc(JSON.stringify({ trial: "job-00000", step: 3, metrics: { m1: 5, loss: 1 } })), known("running", have));
  assert.equal(r.ok, true);
  if (r.ok) {
    assert.deepEqual(r.message.metrics, { m1: 5 });
    assert.deepEqual(r.dropped, ["loss"]);
  }
});

test("each kind of bad message is rejected with its own reason", () => {
  const body = (o: unknown) => enc(JSON.stringify(o));
  const cases: [string, Uint8Array, State, string][] = [
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
    // Bounds: a step past int32, more metrics than a report may carry, names JavaScript objects reserve.
    [subject, body({ trial: "job-00000", step: 2 ** 53 - 1, metrics: { loss: 1 } }), "running", "invalid_schema"],
    [subject, body({ trial: "job-00000", step: MAX_STEP + 1, metrics: { loss: 1 } }), "running", "invalid_schema"],
    [subject, body({ trial: "job-00000", step: 1, metrics: Object.fromEntries(Array.from({ length: MAX_METRICS_PER_REPORT + 1 }, (_, i) => [`m${i}`, i])) }), "running", "too_many_metrics"],
    [subject, enc('{"trial":"job-00000","step":1,"metrics":{"__proto__":0.1}}'), "running", "invalid_schema"],
    [subject, enc('{"trial":"job-00000","step":1,"metrics":{"loss":1,"__proto__":0.1}}'), "running", "invalid_schema"],
    [subject, body({ trial: "job-00000", step: 1, metrics: { constructor: 0.1 } }), "running", "invalid_schema"],
    [subject, body({ trial: "job-00000", step: 1, metrics: { toString: 0.1 } }), "running", "invalid_schema"],
  ];
  for (const [s, data, state, want] of cases) {
    const r = validateMessage(s, data, known(state));
    assert.equal(r.ok, false, `${want} should be rejected`);
    if (!r.ok) {
      assert.equal(r.reason, want);
      assert.ok(r.detail.length > 0);
    }
  }
});

test("the fast check accepts exactly what the MetricMessage schema accepts", () => {
  // JSON texts of each field, valid ones first and invalid ones second; "__proto__" keys only in
  // texts, as JSON.parse makes them own keys.
  const trials = [['"job-00000"', '"ok_1"', '"A-9"'], ['""', '"a.b"', '"a b"', "5", "null", '"x*"', '"t>"']] as const;
  const steps = [["0", "3", "-0", "2147483647", "2e0"], ["-1", "1.5", "2147483648", "9007199254740991", '"3"', "null", "true", "1e21"]] as const;
  const metrics = [
    ["{}", '{"loss":0.5}', '{"val_loss":1,"acc":0.9}', `{"${"a".repeat(128)}":1}`, '{"loss":1e308}', '{"_":0}', '{"a:b.c-d":1}'],
    ['{"1x":1}', '{"constructor":1}', '{"loss":1,"valueOf":2}', '{"a b":1}', `{"${"a".repeat(129)}":1}`, '{"loss":"1"}', '{"loss":null}', '{"loss":true}', '{"loss":[1]}', "[]", "null", '"m"', '{"__proto__":1}', '{"loss":1e999}', '{"x":{}}'],
  ] as const;
  const finals = [[null, "true"], ["false", '"true"', "null", "1"]] as const;
  const extras = [[null], ['"extra":1', '"__proto__":1', '"Trial":"x"']] as const;
  let seed = 7;
  // mulberry32: a small seeded generator, so a failure names a reproducible text.
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const pick = <T,>([good, bad]: readonly [readonly T[], readonly T[]]): T => {
    const xs = random() < 0.8 ? good : bad;
    return xs[Math.floor(random() * xs.length)] as T;
  };
  const texts = ["[]", "null", '"str"', "5", "{}"];
  for (let i = 0; i < 4000; i++) {
    const fields = [`"trial":${pick(trials)}`, `"step":${pick(steps)}`, `"metrics":${pick(metrics)}`];
    const final = pick(finals);
    if (final !== null) fields.push(`"final":${final}`);
    const extra = pick(extras);
    if (extra !== null) fields.push(extra);
    if (random() < 0.05) fields.splice(Math.floor(random() * 3), 1);
    texts.push(`{${fields.join(",")}}`);
  }
  let accepted = 0;
  for (const text of texts) {
    const value: unknown = JSON.parse(text);
    const schema = MetricMessage.safeParse(value);
    const fast = isWellFormedReport(value);
    if (text.includes("__proto__")) assert.equal(fast, false, text);
    else assert.equal(fast, schema.success, text);
    if (fast && schema.success) {
      accepted++;
      assert.deepEqual(value, schema.data, text);
    }
  }
  assert.ok(accepted > 1000, `only ${accepted} valid messages were generated`);
});
