import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { EarlyStoppingSpec, defaultMinResource, settingsSchemaFor } from "./stopping-settings.ts";

const problems = (input: unknown): string[] => {
  const r = EarlyStoppingSpec.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

test("defaults: no early stopping, and each rule's documented settings", () => {
  assert.deepEqual(EarlyStoppingSpec.parse(undefined), { algorithm: "none", settings: {} });
  assert.deepEqual(EarlyStoppingSpec.parse({ algorithm: "median" }), { algorithm: "median", settings: { minTrials: 5, startStep: 4, interval: 1, compare: "prediction" } });
  assert.deepEqual(EarlyStoppingSpec.parse({ algorithm: "asha", settings: { minResource: 2 } }), {
    algorithm: "asha",
    settings: { minResource: 2, reductionFactor: 3, brackets: 1, rankBy: "prediction" },
  });
});

test("asha's grace period defaults to two rungs before maxResource, at least 4 steps and below maxResource, or 1 without it", () => {
  const minResource = (settings: object) => EarlyStoppingSpec.parse({ algorithm: "asha", settings }).settings;
  assert.deepEqual(minResource({ maxResource: 27 }), { minResource: 4, reductionFactor: 3, maxResource: 27, brackets: 1, rankBy: "prediction" }, "27/3² = 3, raised to 4: rungs at 4 and 12");
  assert.equal(defaultMinResource(3, 100), 11);
  assert.equal(defaultMinResource(4, 100), 6);
  assert.equal(defaultMinResource(3, 81), 9);
  assert.equal(defaultMinResource(3, 5), 4, "4 reports, enough for a fit with a point to spare");
  assert.equal(defaultMinResource(3, 3), 2, "below maxResource");
  assert.equal(defaultMinResource(3, 1), 1, "never below 1");
  assert.equal(defaultMinResource(3, undefined), 1);
  assert.deepEqual(problems({ algorithm: "asha", settings: { maxResource: 27, brackets: 3 } }), [
    "settings.brackets: is too large: bracket 2 would start at step 36, at or past maxResource (27); lower brackets or minResource, or raise maxResource",
  ]);
});

test("unknown, misplaced and out-of-range settings are refused with the fix", () => {
  assert.deepEqual(problems({ algorithm: "asha", settings: { eta: 3 } }), ['settings: unknown asha setting "eta" (allowed: minResource, reductionFactor, maxResource, brackets, rankBy, metric)']);
  assert.deepEqual(problems({ algorithm: "median", settings: { minResource: 1 } }), ['settings: unknown median setting "minResource" (allowed: minTrials, startStep, interval, compare, metric)']);
  assert.deepEqual(problems({ algorithm: "none", settings: { metric: "loss" } }), ['settings: unknown none setting "metric" (it takes no settings)']);
  assert.deepEqual(problems({ algorithm: "none", settings: { minTrials: 1 } }), ['settings: unknown none setting "minTrials" (it takes no settings)']);
  assert.deepEqual(problems({ algorithm: "hyperband" }), ['algorithm: must be one of "none", "median", "asha"']);
  assert.deepEqual(problems({ algorithm: "asha", settings: { reductionFactor: 1 } }), ["settings.reductionFactor: must be at least 2 (η: 1/η of each rung continues)"]);
  assert.deepEqual(problems({ algorithm: "median", settings: { interval: 0.5 } }), ["settings.interval: must be a whole number (steps between checks)"]);
  assert.deepEqual(problems({ algorithm: "asha", settings: { minResource: 4, maxResource: 4 } }), [
    "settings.maxResource: must be greater than minResource (4), or the first rung would be the end of every trial",
  ]);
  assert.deepEqual(problems({ algorithm: "asha", settings: { maxResource: 9, brackets: 3 } }), [
    "settings.brackets: is too large: bracket 2 would start at step 36, at or past maxResource (9); lower brackets or minResource, or raise maxResource",
  ]);
});

test("the CRD sees flat settings of integers and what-to-compare enums, and CEL refusing another rule's settings", () => {
  const schema = z.toJSONSchema(EarlyStoppingSpec, { target: "openapi-3.0", io: "input" }) as unknown as { oneOf: { properties: { settings: { properties: Record<string, { type: string; enum?: string[] }> } } }[]; "x-kubernetes-validations": { rule: string }[] };
  for (const variant of schema.oneOf) {
    for (const [k, p] of Object.entries(variant.properties.settings.properties)) {
      if (k === "compare" || k === "rankBy") assert.deepEqual([p.type, p.enum?.[0]], ["string", "prediction"]);
      else if (k === "metric") assert.equal(p.type, "string");
      else assert.equal(p.type, "integer");
    }
  }
  const rules = schema["x-kubernetes-validations"].map((r) => r.rule);
  assert.ok(rules.includes("self.algorithm != 'median' || !has(self.settings) || (!has(self.settings.minResource) && !has(self.settings.reductionFactor) && !has(self.settings.maxResource) && !has(self.settings.brackets) && !has(self.settings.rankBy))"));
  // metric belongs to both rules, so neither refuses it as the other's; none takes it as foreign.
  assert.ok(rules.includes("self.algorithm != 'none' || !has(self.settings) || (!has(self.settings.minTrials) && !has(self.settings.startStep) && !has(self.settings.interval) && !has(self.settings.compare) && !has(self.settings.metric) && !has(self.settings.minResource) && !has(self.settings.reductionFactor) && !has(self.settings.maxResource) && !has(self.settings.brackets) && !has(self.settings.rankBy))"));
  assert.deepEqual(Object.keys(settingsSchemaFor("asha").parse({})).sort(), ["brackets", "minResource", "rankBy", "reductionFactor"]);
});
