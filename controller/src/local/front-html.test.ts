import { test } from "node:test";
import assert from "node:assert/strict";
import { parseTuningJob } from "../api/validate.ts";
import { reportHtml } from "./report-html.ts";
import { resultsOf, trialsCsv, trialViewsOf, type Results } from "./results.ts";
import { summary } from "./views.ts";
import type { TrialView } from "../engine/job.ts";
import { paretoFront } from "../engine/front.ts";
import { objectiveList } from "../api/job-objectives.ts";

const spec = parseTuningJob(
  `apiVersion: kubetune.io/v1alpha1
kind: TuningJob
metadata: {name: mo}
spec:
  objectives: [{metric: err, direction: minimize}, {metric: mb, direction: minimize}]
  constraints: [{metric: mb, max: 20}]
  parameters: [{name: units, type: int, min: 1, max: 100}]
  search: {algorithm: random}
  budget: {maxTrials: 5}
  trialTemplate: {spec: {containers: [{name: t, image: i, command: [python]}]}}
`,
  "job.yaml",
).spec;
const trial = (i: number, err: number, mb: number, over: Partial<TrialView> = {}): TrialView => ({
  name: `mo-0000${i}`,
  index: i,
  params: { units: i * 10 },
  phase: "Succeeded",
  value: err,
  values: [err, mb],
  valueMetrics: { err, mb },
  feasible: mb <= 20,
  ...(mb > 20 ? { infeasibleReason: `mb = ${mb} is above max 20` } : {}),
  curve: [{ step: 1, value: err }],
  metrics: { err, mb },
  finishedOrder: i,
  ...over,
});
const trials = [trial(0, 0.1, 18), trial(1, 0.3, 5), trial(2, 0.35, 10), trial(3, 0.05, 40), trial(4, 0.9, 1, { phase: "Failed", values: undefined, feasible: undefined })];
const front = paretoFront(trials, objectiveList(spec));
const results: Results = resultsOf({ job: "mo", spec, trials, best: undefined, front: front.members, end: { phase: "Succeeded", reason: "MaxTrialsReached", message: "all 5 trials finished; 2 trials on the Pareto front" }, startedAt: "2026-01-01T00:00:00Z", times: new Map() });
const html = reportHtml(results);

test("results.json holds the front and each trial's values and feasibility, and a resume reads them back", () => {
  assert.deepEqual(results.front?.map((m) => [m.name, m.values]), [["mo-00000", [0.1, 18]], ["mo-00001", [0.3, 5]]]);
  assert.equal(results.best, null);
  const back = trialViewsOf(results);
  assert.deepEqual(back.map((t) => [t.values, t.feasible]), trials.map((t) => [t.values, t.feasible]));
});

test("trials.csv adds each objective, front membership and feasibility", () => {
  const [header, first, , , fourth] = trialsCsv(results).trim().split("\n");
  assert.match(header as string, /^name,outcome,value,objective\.err,objective\.mb,front,feasible,param\.units,/);
  assert.match(first as string, /^mo-00000,succeeded,0\.1,0\.1,18,true,true,0,/);
  assert.match(fourth as string, /^mo-00003,succeeded,0\.05,0\.05,40,false,false,30,/);
});

test("report.html draws the front solid, dominated trials faded, infeasible ones as crosses, and marks them in the table", () => {
  assert.match(html, /<h2>Pareto front<\/h2>\n<p>2 trials are on the front/);
  assert.equal(html.match(/<g class="front">/g)?.length, 2);
  assert.equal(html.match(/<g class="dominated"><title>[^<]*<\/title><circle[^>]*opacity="0\.25"/g)?.length, 1, "mo-00002 is dominated by mo-00001 and faded");
  assert.equal(html.match(/<g class="infeasible"><title>mo-00003[^<]*infeasible: mb = 40 is above max 20[^<]*<\/title><path/g)?.length, 1);
  assert.match(html, /<td class="succeeded infeasible" title="mb = 40 is above max 20">succeeded · <span[^>]*>infeasible<\/span><\/td>/);
  assert.match(html, /<span>Pareto front<\/span><b class="ok">2 trials<\/b>err ↓ · mb ↓/);
  assert.match(html, /Constraints: mb ≤ 20\. 1 of 4 finished trials are infeasible/);
});

test("the closing lines list the front with each member's values", () => {
  const style = { bold: (s: string) => s, dim: (s: string) => s, green: (s: string) => s, red: (s: string) => s, yellow: (s: string) => s };
  const members = front.members.map((m) => ({ name: m.name, params: m.params, values: m.values.map((value, i) => ({ metric: ["err", "mb"][i] as string, value })) }));
  const lines = summary({ type: "job-finished", end: { phase: "Succeeded", reason: "MaxTrialsReached", message: "done" }, best: null, dir: "/r", front: { size: 2, members } }, style, "err");
  assert.deepEqual(lines.slice(1, 4), ["Pareto front: 2 trials", "  ◆ mo-00000: err=0.1 mb=18  units=0", "  ◆ mo-00001: err=0.3 mb=5  units=10"]);
});
