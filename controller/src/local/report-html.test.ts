import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTuningJob } from "../api/validate.ts";
import { chartSections, esc, reportHtml } from "./report-html.ts";
import { resultsOf } from "./results.ts";
import type { TrialView } from "../engine/job.ts";

const spec = parseTuningJob(
  `apiVersion: kubetune.io/v1alpha1
kind: TuningJob
metadata: {name: ridge}
spec:
  objective: {metric: mean_test_score, direction: maximize, additionalMetrics: [std_test_score]}
  parameters: [{name: alpha, type: discrete, values: [0.0001, 0.001, 0.1, 1]}]
  search: {algorithm: grid}
  budget: {maxTrials: 4}
  trialTemplate: {spec: {containers: [{name: t, image: i, command: [python]}]}}
`,
  "job.yaml",
).spec;
const cv = (mean: number, std: number) => ({ mean_test_score: mean, std_test_score: std });
const trials: TrialView[] = [
  { name: "ridge-00000", index: 0, params: { alpha: 0.1 }, phase: "Succeeded", value: 0.47988, curve: [{ step: 5, value: 0.47988 }], metrics: cv(0.47988, 0.04731), finishedOrder: 0 },
  { name: "ridge-00001", index: 1, params: { alpha: 1 }, phase: "Succeeded", value: 0.41017, curve: [{ step: 5, value: 0.41017 }], metrics: cv(0.41017, 0.04498), finishedOrder: 1 },
];
const html = reportHtml(resultsOf({ job: "ridge", spec, trials, best: trials[0], end: null, startedAt: "2026-01-01T00:00:00Z", times: new Map() }));

test("the report shows each trial's mean CV score ± std, and the best one's", () => {
  assert.match(html, /<td>ridge-00000<\/td><td class="succeeded">succeeded<\/td><td>0\.4799 ± 0\.04731<\/td>/);
  assert.match(html, /<td>ridge-00001<\/td><td class="succeeded">succeeded<\/td><td>0\.4102 ± 0\.04498<\/td>/);
  assert.match(html, /<b class="ok">0\.4799 ± 0\.04731<\/b>ridge-00000/);
});

test("a discrete grid spanning decades (alpha = 1e-4 … 1) is plotted on a log axis, as a log-scaled range is", () => {
  assert.match(html, />alpha \(log\)<\/text>/);
});

test("trials that reported the objective once (a cross-validation's mean) get a sentence, not an empty curves chart", () => {
  assert.match(html, /<h2>Learning curves<\/h2>\n<p>Every trial reported mean_test_score at one step only[^<]*<\/p>/);
});

test("report.html draws exactly the chart sections the dashboard draws, then the trials table", () => {
  const r = resultsOf({ job: "ridge", spec, trials, best: trials[0], end: null, startedAt: "2026-01-01T00:00:00Z", times: new Map() });
  const headings = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
  assert.deepEqual(headings, [...chartSections(r).map((s) => s.title), "Trials"]);
  for (const s of chartSections(r)) assert.ok(html.includes(s.html), `report.html contains the ${s.id} section's markup`);
});

test("esc leaves no character that could open markup or end an attribute", () => {
  assert.equal(esc(`<a href='x' title="y">&`), "&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&amp;");
});
