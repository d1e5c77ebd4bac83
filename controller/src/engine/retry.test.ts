import { test } from "node:test";
import assert from "node:assert/strict";
import { TuningJobSpec } from "../api/tuningjob.ts";
import { createTuner, type Tuner } from "./tuner.ts";
import type { TrialView } from "./job.ts";

function spec(budget: Record<string, number> = {}, earlyStopping?: unknown): TuningJobSpec {
  return TuningJobSpec.parse({
    objective: { metric: "loss", direction: "minimize" },
    parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
    search: { algorithm: "random", seed: 3 },
    budget: { maxTrials: 4, parallelTrials: 1, maxFailedTrials: 0, ...budget },
    trialTemplate: { spec: { containers: [{ name: "t", image: "i", command: ["run"] }] } },
    ...(earlyStopping ? { earlyStopping } : {}),
  });
}

const evicted = { ok: false, reason: "Pod failed (Evicted)", infrastructure: { reason: "Evicted", message: "The node was low on resource: memory." } } as const;
const oom = { ok: false, reason: "container t exited with code 137 (OOMKilled)", infrastructure: { reason: "OOMKilled", message: "container t was OOM-killed" } } as const;

function reportAll(t: Tuner, name: string, values: readonly number[], from = 1): void {
  values.forEach((loss, i) => t.report(name, from + i, { loss }));
}

test("budget.maxRetries defaults to 2 and may be 0; more than 10 is refused", () => {
  assert.equal(spec().budget.maxRetries, 2);
  assert.equal(spec({ maxRetries: 0 }).budget.maxRetries, 0);
  assert.throws(() => spec({ maxRetries: 11 }), /at most 10/);
});

test("an infrastructure failure is retried with the same parameters and does not count as failed", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  const [launch] = await t.next();
  assert.equal(launch?.type, "launch");
  t.started("j-00000");
  reportAll(t, "j-00000", [0.9, 0.8]);
  const retry = t.exited("j-00000", evicted);
  assert.deepEqual(retry, { attempt: 1, reason: "Evicted", message: "The node was low on resource: memory.", lastStep: 2 });
  const v = t.trial("j-00000");
  assert.equal(v?.phase, "Pending", "the next attempt is pending until its Pod runs");
  assert.equal(v?.retries?.length, 1);
  assert.deepEqual(await t.next(), [], "maxFailedTrials 0 is not exceeded, and the retrying trial holds its parallelTrials slot");
  assert.equal(t.ended(), null);
  assert.deepEqual(t.trial("j-00000")?.params, launch?.type === "launch" ? launch.trial.params : undefined);
});

test("a user failure (no infrastructure cause) is not retried", async () => {
  const t = createTuner({ job: "j", spec: spec() });
  await t.next();
  assert.equal(t.exited("j-00000", { ok: false, reason: "container t exited with code 1" }), undefined);
  assert.equal(t.trial("j-00000")?.phase, "Failed");
  assert.equal((await t.next())[0]?.type, "end", "maxFailedTrials 0 exceeded");
});

test("a trial that fails for the infrastructure more than maxRetries times fails, saying which failures and how many attempts", async () => {
  const t = createTuner({ job: "j", spec: spec({ maxRetries: 1, maxFailedTrials: 1 }) });
  await t.next();
  t.started("j-00000");
  assert.equal(t.exited("j-00000", oom)?.attempt, 1);
  t.started("j-00000");
  assert.equal(t.exited("j-00000", oom), undefined);
  const v = t.trial("j-00000");
  assert.equal(v?.phase, "Failed");
  assert.match(v?.reason ?? "", /^OOMKilled on attempt 2 of 2 \(OOMKilled, OOMKilled\); all 1 retries spent \(budget.maxRetries = 1\): container t was OOM-killed$/);
});

test("maxRetries 0 disables retries", async () => {
  const t = createTuner({ job: "j", spec: spec({ maxRetries: 0, maxFailedTrials: 1 }) });
  await t.next();
  assert.equal(t.exited("j-00000", evicted), undefined);
  assert.match(t.trial("j-00000")?.reason ?? "", /^Evicted on attempt 1 of 1 .*retries are disabled \(budget.maxRetries = 0\)/);
});

test("a trial told to stop whose Pod is then evicted ends early-stopped, not retried", async () => {
  const t = createTuner({ job: "j", spec: spec({}, { algorithm: "median", settings: { minTrials: 1, startStep: 1 } }) });
  await t.next();
  t.started("j-00000");
  reportAll(t, "j-00000", [1, 0.5]);
  t.exited("j-00000", { ok: true });
  await t.next();
  t.started("j-00001");
  assert.equal(t.report("j-00001", 1, { loss: 50 })[0]?.type, "stop");
  assert.equal(t.exited("j-00001", evicted), undefined);
  assert.equal(t.trial("j-00001")?.phase, "EarlyStopped");
});

/** A job whose median rule stops a trial at any step from 1 whose best is worse than a finished trial's running average. */
async function withReference(maxRetries = 2): Promise<Tuner> {
  const t = createTuner({ job: "j", spec: spec({ maxRetries, parallelTrials: 1 }, { algorithm: "median", settings: { minTrials: 1, startStep: 1, compare: "runningAverage" } }) });
  await t.next();
  t.started("j-00000");
  reportAll(t, "j-00000", [1, 1, 1, 1, 1, 1]);
  t.exited("j-00000", { ok: true });
  await t.next();
  return t;
}

test("a retried trial's curve continues: the new attempt's reports up to the failed attempt's last step are neither recorded nor judged", async () => {
  const t = await withReference();
  t.started("j-00001");
  reportAll(t, "j-00001", [0.5, 0.4, 0.3]);
  t.exited("j-00001", oom);
  t.started("j-00001");
  // The new attempt starts again from step 1 with worse values. Recorded, they would replace the first
  // attempt's points, and judged at step 3 the best so far (50) is worse than the median (1): a stop.
  for (let step = 1; step <= 3; step++) assert.deepEqual(t.report("j-00001", step, { loss: 50 }), [], `step ${step} is not judged again`);
  const v = t.trial("j-00001");
  assert.deepEqual(v?.curve, [{ step: 1, value: 0.5 }, { step: 2, value: 0.4 }, { step: 3, value: 0.3 }], "the failed attempt's points stay");
  assert.equal(v?.value, 0.3);
  assert.equal(v?.phase, "Running");
  // Past the failed attempt's last step the new attempt is judged as any report is.
  assert.deepEqual(t.report("j-00001", 4, { loss: 0.2 }), []);
  assert.deepEqual(v?.curve.map((p) => p.step), [1, 2, 3, 4]);
  const stop = t.report("j-00001", 5, { loss: Number.NaN });
  assert.equal(stop[0]?.type, "stop", "a new point is judged live (here: diverged)");
});

test("a rebuilt tuner continues the right attempt: its retries, and which steps the new attempt repeats, come from the stored trial", async () => {
  const s = spec({ maxRetries: 2, maxFailedTrials: 1 });
  const stored: TrialView = {
    name: "j-00000", index: 0, params: { x: 0.5 }, phase: "Running",
    curve: [{ step: 1, value: 0.5 }, { step: 2, value: 0.4 }, { step: 5, value: 0.3 }],
    metrics: { loss: 0.3 },
    retries: [{ attempt: 1, reason: "Evicted", message: "m", lastStep: 2 }],
  };
  const t = createTuner({ job: "j", spec: s, trials: [stored], unfinished: "keep" });
  t.report("j-00000", 2, { loss: 9 });
  assert.deepEqual(t.trial("j-00000")?.curve.find((p) => p.step === 2), { step: 2, value: 0.4 }, "step 2 was the first attempt's");
  assert.equal(t.exited("j-00000", evicted)?.attempt, 2, "the second attempt failed: retried as the third");
  assert.equal(t.trial("j-00000")?.retries?.at(-1)?.lastStep, 5);
  assert.equal(t.exited("j-00000", evicted), undefined, "the third attempt's failure spends the budget");
  assert.match(t.trial("j-00000")?.reason ?? "", /^Evicted on attempt 3 of 3 \(Evicted, Evicted, Evicted\)/);
});
