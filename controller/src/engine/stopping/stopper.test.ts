import { test } from "node:test";
import assert from "node:assert/strict";
import { createStopper } from "./stopper.ts";
import type { StopperConfigInput } from "./settings.ts";
import type { Decision, Stopper, TrialHistory } from "./types.ts";

const ashaConfig: StopperConfigInput = { algorithm: { name: "asha", settings: { minResource: 1, maxResource: 9 } }, direction: "minimize", metric: "val_loss" };
const medianConfig: StopperConfigInput = { algorithm: { name: "median", settings: { minTrials: 2, startStep: 1 } }, direction: "maximize", metric: "acc" };

test("the contract from the issue: report, complete, fail", () => {
  const st = createStopper({ algorithm: { name: "asha", settings: {} }, direction: "minimize" });
  assert.deepEqual(st.report("t1", 3, 0.42), { action: "continue" });
  st.complete("t1");
  st.report("t2", 1, 0.5);
  st.fail("t2");
  assert.deepEqual(st.history(), [
    { trial: "t1", curve: [{ step: 3, value: 0.42 }], state: "completed" },
    { trial: "t2", curve: [], state: "failed" },
  ]);
});

test("NaN and ±Infinity stop a trial as diverged, under every rule but none", () => {
  for (const config of [ashaConfig, medianConfig]) {
    const st = createStopper(config);
    st.report("a", 1, 0.5);
    const metric = config.metric ?? "";
    assert.deepEqual(st.report("a", 2, Number.NaN), { action: "stop", reason: `diverged: ${metric} is NaN at step 2` });
    assert.deepEqual(st.report("b", 4, Number.POSITIVE_INFINITY), { action: "stop", reason: `diverged: ${metric} is Infinity at step 4` });
    assert.deepEqual(st.report("a", 3, 0.4), { action: "stop", reason: `diverged: ${metric} is NaN at step 2` }, "a stop is final");
    assert.deepEqual(st.history().map((h) => [h.trial, h.curve, h.state]), [
      ["a", [{ step: 1, value: 0.5 }, { step: 3, value: 0.4 }], "stopped"],
      ["b", [], "stopped"],
    ], "non-finite values never enter a curve");
  }
  const none = createStopper({ algorithm: { name: "none" }, direction: "minimize" });
  assert.deepEqual(none.report("a", 1, Number.NaN), { action: "continue" }, "none never stops");
  for (let i = 0; i < 20; i++) assert.deepEqual(none.report(`t${i}`, 1, i), { action: "continue" });
});

test("a stopped trial stays stopped when its process exits cleanly; reports after completion do not judge", () => {
  const st = createStopper(ashaConfig);
  st.report("a", 1, 0.1);
  st.report("b", 1, 0.2);
  assert.equal(st.report("c", 1, 0.3).action, "stop");
  st.complete("c");
  assert.equal(st.history().find((h) => h.trial === "c")?.state, "stopped");
  st.complete("b");
  assert.deepEqual(st.report("b", 3, 99), { action: "continue" });
  st.fail("b");
  assert.deepEqual(st.report("b", 4, 99), { action: "continue" });
  assert.deepEqual(st.history().find((h) => h.trial === "b")?.curve, [], "a failed trial's curve is dropped");
});

test("bad calls and bad configs are refused with what, where and how", () => {
  const st = createStopper(ashaConfig);
  assert.throws(() => st.report("a", -1, 0.5), /report\("a"\): step must be a whole number ≥ 0, got -1/);
  assert.throws(() => st.report("a", 1.5, 0.5), /got 1\.5/);
  assert.throws(() => st.report("", 1, 0.5), /trial must be a non-empty string/);
  assert.throws(() => createStopper({ algorithm: { name: "asha", settings: { eta: 3 } }, direction: "minimize" } as unknown as StopperConfigInput), /config\.algorithm\.settings: unknown asha setting "eta" \(allowed: minResource, reductionFactor, maxResource, brackets, rankBy, metric\)/);
  assert.throws(() => createStopper({ algorithm: { name: "hyperband" }, direction: "minimize" } as unknown as StopperConfigInput), /config\.algorithm\.name: must be one of "none", "median", "asha"/);
  assert.throws(() => createStopper({ algorithm: { name: "median", settings: { minTrials: 0 } }, direction: "up" } as unknown as StopperConfigInput), /minTrials: must be at least 1.*config\.direction: must be "minimize" or "maximize"/);
  assert.throws(() => createStopper(ashaConfig, [{ trial: "a", curve: [{ step: 1, value: Number.NaN }], state: "running" }]), /history\.0\.curve\.0\.value: must be a finite number/);
  assert.throws(() => createStopper(ashaConfig, [{ trial: "a", curve: [], state: "running" }, { trial: "a", curve: [], state: "stopped" }]), /history\.1\.trial "a" appears twice/);
  assert.throws(() => createStopper(ashaConfig, [{ trial: "a", curve: [], state: "paused" } as unknown as TrialHistory]), /history\.0\.state: must be one of running, completed, failed, stopped/);
});

test("a rebuilt stopper keeps stopped trials stopped and judges new reports against stored curves", () => {
  const st = createStopper(ashaConfig, [
    { trial: "a", curve: [{ step: 1, value: 0.1 }], state: "completed" },
    { trial: "b", curve: [{ step: 1, value: 0.2 }], state: "running" },
    { trial: "c", curve: [{ step: 1, value: 0.3 }], state: "stopped" },
    { trial: "d", curve: [{ step: 1, value: 0.01 }], state: "failed" },
  ]);
  assert.deepEqual(st.report("c", 2, 0.3), { action: "stop", reason: "asha: trial c was already stopped" });
  assert.deepEqual(st.report("e", 1, 0.15), { action: "stop", reason: "asha: val_loss 0.15 at step 1 is not in the top 1/3 of the rung at step 1 (cutoff 0.1, best 1 of 4 continue)" });
});

const onValues: StopperConfigInput = { algorithm: { name: "asha", settings: { minResource: 1, reductionFactor: 3, maxResource: 9, rankBy: "value" } }, direction: "minimize", metric: "val_loss" };

/** A stopper whose rung at step 1 holds 0.1 and 0.2: a third trial there is judged, and 0.9 would be cut. */
function twoAtRung1(): Stopper {
  const st = createStopper(onValues);
  st.report("a", 1, 0.1);
  st.report("b", 1, 0.2);
  return st;
}

test("a point recorded as judged (a previous controller's) is never judged again, not even by the next report past it", () => {
  assert.equal(twoAtRung1().report("x", 1, 0.9).action, "stop", "judged now, 0.9 at the rung would be cut");
  const st = twoAtRung1();
  st.record("x", 1, 0.9, true);
  assert.deepEqual(st.report("x", 2, 0.8), { action: "continue" }, "rung 1 was judged before: step 2 crosses no rung");
  assert.deepEqual(st.history().find((h) => h.trial === "x")?.curve, [{ step: 1, value: 0.9 }, { step: 2, value: 0.8 }]);
});

test("points recorded unjudged are judged with the trial's next report, at every rung they crossed", () => {
  const st = twoAtRung1();
  st.record("x", 1, 0.9, false);
  st.record("x", 2, 0.85, false);
  const d = st.report("x", 3, 0.8);
  assert.match(d.action === "stop" ? d.reason : "", /val_loss 0\.8 at step 3 is not in the top 1\/3 of the rung at step 1 \(cutoff 0\.1, best 1 of 3 continue\)/);
});

test("recording judges nothing and ignores non-finite values; a failed trial's points stay out", () => {
  const st = twoAtRung1();
  st.record("x", 1, Number.NaN, false);
  st.record("b", 2, 0.15, true);
  st.fail("a");
  st.record("a", 2, 0.05, true);
  assert.deepEqual(st.history(), [
    { trial: "a", curve: [], state: "failed" },
    { trial: "b", curve: [{ step: 1, value: 0.2 }, { step: 2, value: 0.15 }], state: "running" },
    { trial: "x", curve: [], state: "running" },
  ]);
});

/** A small deterministic generator, so the scripted runs below are the same on every machine. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

type Event = { op: "report"; trial: string; step: number; value: number } | { op: "complete" | "fail"; trial: string };

/**
 * Drives a stopper through a messy job: 5 trials at a time, uneven steps (skips, duplicates, NaN, an extra report
 * after a stop), failures and completions, feeding back its decisions. Returns the events and the decisions.
 */
function script(config: StopperConfigInput, seed: number): { events: Event[]; decisions: (Decision | null)[] } {
  const rand = lcg(seed);
  const st = createStopper(config);
  const events: Event[] = [];
  const decisions: (Decision | null)[] = [];
  const emit = (e: Event): Decision | null => {
    events.push(e);
    const d = e.op === "report" ? st.report(e.trial, e.step, e.value) : (st[e.op](e.trial), null);
    decisions.push(d);
    return d;
  };
  const running = new Map<string, { step: number; quality: number }>();
  let next = 0;
  while (next < 40 || running.size > 0) {
    while (running.size < 5 && next < 40) running.set(`trial-${next++}`, { step: 0, quality: rand() });
    const names = [...running.keys()];
    const name = names[Math.floor(rand() * names.length)] ?? "";
    const t = running.get(name);
    if (!t) continue;
    const r = rand();
    if (r < 0.02) {
      emit({ op: "fail", trial: name });
      running.delete(name);
      continue;
    }
    t.step += r < 0.15 ? 2 : r < 0.22 ? 0 : 1; // skip a step, repeat one, or advance
    if (t.step === 0) t.step = 1;
    const value = r > 0.985 ? Number.NaN : (t.quality + 0.3) * Math.exp(-0.2 * t.step) + 0.05 * rand();
    const d = emit({ op: "report", trial: name, step: t.step, value: config.direction === "maximize" ? -value : value });
    if (d?.action === "stop") {
      if (rand() < 0.3) emit({ op: "report", trial: name, step: t.step + 1, value: 0.5 });
      emit({ op: "complete", trial: name });
      running.delete(name);
    } else if (t.step >= 12) {
      emit({ op: "complete", trial: name });
      running.delete(name);
    }
  }
  return { events, decisions };
}

function replay(st: Stopper, events: readonly Event[]): (Decision | null)[] {
  return events.map((e) => (e.op === "report" ? st.report(e.trial, e.step, e.value) : (st[e.op](e.trial), null)));
}

const configs: [string, StopperConfigInput][] = [
  ["asha", { algorithm: { name: "asha", settings: { minResource: 1, reductionFactor: 2, maxResource: 12 } }, direction: "minimize" }],
  ["asha with brackets, maximize", { algorithm: { name: "asha", settings: { reductionFactor: 2, maxResource: 12, brackets: 2 } }, direction: "maximize" }],
  ["median", { algorithm: { name: "median", settings: { minTrials: 3, startStep: 2, interval: 2 } }, direction: "minimize" }],
  ["median, maximize", { algorithm: { name: "median", settings: { minTrials: 2, startStep: 1 } }, direction: "maximize" }],
  ["asha on values", { algorithm: { name: "asha", settings: { minResource: 1, reductionFactor: 2, maxResource: 12, rankBy: "value" } }, direction: "minimize" }],
  ["median on running averages", { algorithm: { name: "median", settings: { minTrials: 3, startStep: 2, interval: 2, compare: "runningAverage" } }, direction: "minimize" }],
];

for (const [label, config] of configs) {
  test(`${label}: a stopper rebuilt from stored curves at any point makes the same decisions as one that never stopped`, () => {
    for (const seed of [1, 2, 3]) {
      const { events, decisions } = script(config, seed);
      const stops = new Set(events.filter((e, i) => e.op === "report" && decisions[i]?.action === "stop").map((e) => e.trial)).size;
      assert.ok(stops >= 5 && stops < 40, `the scripted job exercises stopping (seed ${seed}: ${stops} stops)`);
      const full = createStopper(config);
      assert.deepEqual(replay(full, events), decisions, "same calls, same decisions");
      for (let cut = 0; cut <= events.length; cut += 7) {
        const before = createStopper(config);
        replay(before, events.slice(0, cut));
        const stored = JSON.parse(JSON.stringify(before.history())) as TrialHistory[];
        const rebuilt = createStopper(config, stored);
        assert.deepEqual(replay(rebuilt, events.slice(cut)), decisions.slice(cut), `seed ${seed}, rebuilt after ${cut} of ${events.length} events`);
        assert.deepEqual(rebuilt.history(), full.history(), `seed ${seed}, cut ${cut}: same final state`);
      }
    }
  });
}
