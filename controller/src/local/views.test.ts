import { test } from "node:test";
import assert from "node:assert/strict";
import { styleFor } from "./style.ts";
import { formatDuration, formatNumber, formatObjective, liveView, plainView } from "./views.ts";

const plainStyle = styleFor({ isTTY: false }, {});
const at = () => new Date("2026-01-02T03:04:05Z");

test("numbers, durations", () => {
  assert.equal(formatNumber(0.123456), "0.1235");
  assert.equal(formatNumber(1.5e-7), "1.50e-7");
  assert.equal(formatNumber(undefined), "–");
  assert.equal(formatNumber(Number.POSITIVE_INFINITY), "∞");
  assert.equal(formatDuration(65_000), "1m05s");
  assert.equal(formatDuration(3_725_000), "1h02m");
});

test("plain lines say what happened to each trial, with the reason of a failure", () => {
  const lines: string[] = [];
  const v = plainView((l) => lines.push(l), plainStyle, "loss", at);
  v.event({ type: "trial-started", trial: "j-00000", params: { lr: 0.01, opt: "adam" } });
  v.event({ type: "trial-finished", trial: "j-00000", outcome: "succeeded", value: 0.5, metrics: { loss: 0.5 }, best: true });
  v.event({ type: "trial-finished", trial: "j-00001", outcome: "failed", metrics: {}, reason: "exited with code 3", best: false });
  v.event({ type: "job-finished", end: { phase: "Failed", reason: "Interrupted", message: "interrupted by the user" }, best: { name: "j-00000", params: { lr: 0.01 }, value: 0.5 }, dir: "/runs/j" });
  assert.deepEqual(lines.slice(0, 3), [
    "03:04:05 ▶ j-00000 lr=0.01 opt=adam",
    "03:04:05 ✓ j-00000 succeeded loss=0.5 ★ best so far",
    "03:04:05 ✗ j-00001 failed: exited with code 3",
  ]);
  assert.ok(lines.includes("resume with: kubetune run --resume /runs/j"));
});

test("the live view redraws its block in place and leaves only log lines behind", () => {
  let screen = "";
  let now = 0;
  const v = liveView((t) => (screen += t), plainStyle, "loss", () => 60, () => now);
  v.event({ type: "job-started", job: "j", dir: "/d", maxTrials: 4, parallel: 2, resumed: 0 });
  v.event({ type: "trial-started", trial: "j-00000", params: { x: 1 } });
  v.event({ type: "trial-report", trial: "j-00000", step: 3, value: 0.25, metrics: { loss: 0.25 } });
  assert.match(screen, /0\/4 trials/);
  assert.match(screen, / {2}j-00000 step 3 loss=0\.25 x=1\n$/);
  now = 10_000;
  v.event({ type: "trial-finished", trial: "j-00000", outcome: "succeeded", value: 0.25, metrics: { loss: 0.25 }, best: true });
  assert.match(screen, /\u001b\[\d+F\u001b\[J[^\u001b]*✓ j-00000 succeeded/, "the old block is erased before the log line");
  assert.match(screen, /1\/4 trials ETA 30s/);
  assert.match(screen, /best j-00000: loss = 0\.25\n$/);
});

test("a mean objective is shown with the spread its trial reported (scikit-learn's mean_/std_ names), others alone", () => {
  assert.equal(formatObjective("mean_test_score", 0.48232, { mean_test_score: 0.48232, std_test_score: 0.049187 }), "0.4823 ± 0.04919");
  assert.equal(formatObjective("mean_test_score", 0.48232, { mean_test_score: 0.48232 }), "0.4823");
  assert.equal(formatObjective("val_loss", 0.25, { val_loss: 0.25, std_val_loss: 0.1 }), "0.25");
  const lines: string[] = [];
  const v = plainView((l) => lines.push(l), plainStyle, "mean_test_score", at);
  v.event({ type: "trial-finished", trial: "j-00000", outcome: "succeeded", value: 0.48232, metrics: { mean_test_score: 0.48232, std_test_score: 0.049187 }, best: true });
  assert.deepEqual(lines, ["03:04:05 ✓ j-00000 succeeded mean_test_score=0.4823 ± 0.04919 ★ best so far"]);
});
