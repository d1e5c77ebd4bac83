import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTuningJob } from "../api/validate.ts";
import { reportHtml } from "./report-html.ts";
import { importanceHtml } from "./importance-html.ts";
import { resultsOf, Results } from "./results.ts";
import type { TrialView } from "../engine/job.ts";

const spec = parseTuningJob(
  `apiVersion: kubetune.io/v1alpha1
kind: TuningJob
metadata: {name: imp}
spec:
  objective: {metric: loss, direction: minimize}
  parameters:
    - {name: lr, type: double, min: 0.0001, max: 1, scale: log}
    - {name: opt, type: categorical, values: [sgd, adam]}
  search: {algorithm: random}
  budget: {maxTrials: 40}
  trialTemplate: {spec: {containers: [{name: t, image: i, command: [python]}]}}
`,
  "job.yaml",
).spec;
/** Trials whose loss is set by lr alone (its decade), opt alternating without effect. */
const trials = (n: number): TrialView[] =>
  Array.from({ length: n }, (_, i) => {
    const lr = 10 ** (-4 + (4 * ((i * 0.618) % 1)));
    const loss = Math.abs(Math.log10(lr) + 2);
    return { name: `imp-${i}`, index: i, params: { lr, opt: i % 2 ? "sgd" : "adam" }, phase: "Succeeded", value: loss, curve: [{ step: 1, value: loss }], metrics: { loss }, finishedOrder: i };
  });
const resultsFor = (n: number) => resultsOf({ job: "imp", spec, trials: trials(n), best: undefined, end: null, startedAt: "2026-01-01T00:00:00Z", times: new Map() });

test("results.json carries the importances, and they survive its schema", () => {
  const r = Results.parse(JSON.parse(JSON.stringify(resultsFor(40))));
  assert.deepEqual(r.importance?.map((i) => i.parameter), ["lr", "opt"]);
  assert.ok((r.importance?.[0]?.importance ?? 0) > 0.8);
});

test("report.html draws one bar per parameter, longest first, with its share", () => {
  const html = reportHtml(resultsFor(40));
  const section = html.slice(html.indexOf("<h2>Parameter importance</h2>"), html.indexOf("<h2>Trials</h2>"));
  const labels = [...section.matchAll(/<title>(\w+): ([\d.]+)%<\/title>/g)].map((m) => m[1]);
  assert.deepEqual(labels, ["lr", "opt"]);
  const widths = [...section.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.ok((widths[0] ?? 0) > (widths[1] ?? 0));
});

test("too few finished trials: the section says why instead of drawing bars", () => {
  const section = importanceHtml(resultsFor(4));
  assert.match(section, /needs at least 10 finished trials, this job has 4/);
  assert.doesNotMatch(section, /<rect/);
});

test("an older results.json without importances gets them computed from its trials", () => {
  const { importance, ...old } = resultsFor(40);
  assert.ok(importance && importance.length === 2);
  assert.equal(importanceHtml(Results.parse(old)), importanceHtml(resultsFor(40)));
});
