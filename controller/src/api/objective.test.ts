import { test } from "node:test";
import assert from "node:assert/strict";
import { Constraint, Constraints, Objectives } from "./objective.ts";

const issues = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (r.error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);

test("objectives: 2 to 4 metrics with directions, each metric once", () => {
  assert.ok(Objectives.safeParse([{ metric: "err", direction: "minimize" }, { metric: "acc", direction: "maximize" }]).success);
  assert.deepEqual(issues(Objectives.safeParse([{ metric: "err", direction: "minimize" }])), [": needs at least 2 objectives (use objective for a single one)"]);
  const five = ["a", "b", "c", "d", "e"].map((metric) => ({ metric, direction: "minimize" }));
  assert.deepEqual(issues(Objectives.safeParse(five)), [": takes at most 4 objectives"]);
  assert.deepEqual(issues(Objectives.safeParse([{ metric: "err", direction: "minimize" }, { metric: "err", direction: "maximize" }])), [
    '1.metric: repeats the metric "err" of objective 0; each metric may appear once',
  ]);
  assert.deepEqual(issues(Objectives.safeParse([{ metric: "err", direction: "down" }, { metric: "x y", direction: "minimize" }])), [
    '0.direction: must be "minimize" or "maximize"',
    "1.metric: must be a metric name (letters, digits, _ . - /; starting with a letter or _)",
  ]);
  assert.ok(!Objectives.safeParse([{ metric: "a", direction: "minimize", goal: 1 }, { metric: "b", direction: "minimize" }]).success, "unknown keys are refused");
});

test("constraints: at least one finite bound, min <= max, up to 8, one per metric", () => {
  assert.ok(Constraint.safeParse({ metric: "mem", max: 20 }).success);
  assert.ok(Constraint.safeParse({ metric: "acc", min: 0.9, max: 0.9 }).success);
  assert.deepEqual(issues(Constraint.safeParse({ metric: "mem" })), [": needs at least one bound: min or max"]);
  assert.deepEqual(issues(Constraint.safeParse({ metric: "mem", min: 3, max: 2 })), ["max: must be at least min (3)"]);
  assert.deepEqual(issues(Constraint.safeParse({ metric: "mem", max: Infinity })), ["max: must be a finite number"]);
  assert.deepEqual(issues(Constraint.safeParse({ metric: "mem", max: "20" })), ["max: must be a finite number"]);
  assert.deepEqual(issues(Constraint.safeParse({ metric: "mem", min: Number.NaN })), ["min: must be a finite number"]);
  assert.deepEqual(issues(Constraints.safeParse([{ metric: "mem", max: 1 }, { metric: "mem", min: 0 }])), ['1.metric: repeats the metric "mem" of constraint 0; each metric may appear once']);
  assert.deepEqual(issues(Constraints.safeParse(Array.from({ length: 9 }, (_, i) => ({ metric: `m${i}`, max: 1 })))), [": takes at most 8 constraints"]);
});
