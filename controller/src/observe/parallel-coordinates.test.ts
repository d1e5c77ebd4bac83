import { test } from "node:test";
import assert from "node:assert/strict";
import { finishedClusterJob } from "../../../test/fixtures/cluster-job.ts";
import { clusterResults, jobTrials, parseClusterJob } from "./cluster-results.ts";
import { parallelCoordinates } from "./parallel-coordinates.ts";

function results() {
  const { job, trials } = finishedClusterJob();
  const p = parseClusterJob(job);
  assert.ok(p.ok);
  return clusterResults(p.job, jobTrials(p.job, trials).trials);
}

/** The y of each axis point of the polyline drawn for `trial`. */
function ys(svg: string, trial: string): number[] {
  const m = new RegExp(`<title>${trial}:[^<]*</title><polyline points="([^"]+)"`).exec(svg);
  assert.ok(m, `a line for ${trial}`);
  return (m[1] as string).split(" ").map((p) => Number(p.split(",")[1]));
}

test("one line per trial that reported the objective (failed ones have none), over an axis per parameter and one for the objective", () => {
  const svg = parallelCoordinates(results());
  assert.equal(svg.match(/<polyline /g)?.length, 2);
  assert.deepEqual([...svg.matchAll(/class="label">([^<]*)</g)].map((m) => m[1]), ["lr (log)", "batch", "dropout", "optimizer", "units", "val_loss"]);
  assert.match(svg, /class="curve stopped" stroke="#e08a1e"/, "the early-stopped trial is dashed and orange");
  assert.match(svg, /class="curve best" stroke="#1a9850"/, "the best trial is green");
});

test("each axis places a trial by its value: log for a log-scaled range, the objective from worst to best", () => {
  const svg = parallelCoordinates(results());
  const best = ys(svg, "fixture-job-00000");
  const stopped = ys(svg, "fixture-job-00001");
  // lr 0.01 vs 0.2 on log [1e-4, 0.3]: 0.01 sits at log-fraction (−2+4)/(log10 0.3+4) of the axis (y grows downward).
  const frac = (Math.log10(0.01) + 4) / (Math.log10(0.3) + 4);
  assert.ok(Math.abs(best[0]! - (230 - frac * 202)) < 1e-6, `lr on a log axis (${best[0]})`);
  assert.ok(stopped[0]! < best[0]!, "the larger lr sits higher");
  assert.equal(best[5], 230, "the lowest objective at the bottom");
  assert.equal(stopped[5], 28, "the highest at the top");
});

test("no trial with the objective: a sentence instead of an empty chart", () => {
  const r = results();
  assert.equal(parallelCoordinates({ ...r, trials: r.trials.filter((t) => t.outcome === "failed") }), "<p>No trial has reported the objective yet.</p>");
});
