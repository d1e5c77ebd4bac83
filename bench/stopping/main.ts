/**
 * Early-stopping bench: replays families of learning curves under each rule and prints, per rule and
 * setting, the fraction of epochs saved and the regret of the best completed trial vs running everything.
 * Usage: npm run bench:stopping -- [--seeds 20] [--trials 60] [--epochs 27] [--parallel 4] [--curves file.json ...]
 * Without --curves it also replays every recorded set in bench/stopping/curves/.
 */
import { parseArgs } from "node:util";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRng } from "../../controller/src/engine/search/rng.ts";
import type { StopperConfigInput } from "../../controller/src/engine/stopping/index.ts";
import { defaultMinResource } from "../../controller/src/api/stopping-settings.ts";
import { FAMILIES, GOAL_FAMILIES, rankCorrelation, type Job } from "./families.ts";
import { loadRecorded } from "./recorded.ts";
import { objectiveOf, relativeRegret, replayLockstep as replay } from "../../controller/src/engine/stopping/replay.ts";

const { values: args } = parseArgs({
  options: {
    seeds: { type: "string", default: "20" },
    trials: { type: "string", default: "60" },
    epochs: { type: "string", default: "27" },
    parallel: { type: "string", default: "4" },
    curves: { type: "string", multiple: true, default: [] },
  },
});
const int = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1, got "${v}"`);
  return n;
};
const seeds = int("seeds", args.seeds);
const trials = int("trials", args.trials);
const epochs = int("epochs", args.epochs);
const parallel = int("parallel", args.parallel);

type Algorithm = StopperConfigInput["algorithm"];
const rules = (maxResource: number): { label: string; algorithm: Algorithm; goal?: number }[] => [
  { label: "none", algorithm: { name: "none" } },
  { label: "median, defaults (compare prediction, minTrials 5, startStep 4)", algorithm: { name: "median" }, goal: 0.3 },
  { label: "median prediction, minTrials 3", algorithm: { name: "median", settings: { minTrials: 3 } } },
  { label: "median runningAverage (Vizier), minTrials 5, startStep 4", algorithm: { name: "median", settings: { compare: "runningAverage" } } },
  { label: "median runningAverage, minTrials 3, startStep 3 (old defaults)", algorithm: { name: "median", settings: { compare: "runningAverage", minTrials: 3, startStep: 3 } } },
  { label: `asha, defaults (rankBy prediction, η 3, minResource ${defaultMinResource(3, maxResource)}), maxResource ${maxResource}`, algorithm: { name: "asha", settings: { maxResource } }, goal: 0.6 },
  { label: "asha, defaults, no maxResource", algorithm: { name: "asha" } },
  { label: `asha prediction, minResource 3, maxResource ${maxResource}`, algorithm: { name: "asha", settings: { minResource: 3, maxResource } } },
  { label: `asha rankBy value, minResource ${defaultMinResource(3, maxResource)}, maxResource ${maxResource}`, algorithm: { name: "asha", settings: { rankBy: "value", maxResource } } },
  { label: `asha rankBy value, minResource 3 (old defaults), maxResource ${maxResource}`, algorithm: { name: "asha", settings: { rankBy: "value", minResource: 3, maxResource } } },
  { label: `asha rankBy value, minResource 1 (textbook), maxResource ${maxResource}`, algorithm: { name: "asha", settings: { rankBy: "value", minResource: 1, maxResource } } },
  { label: `asha prediction, minResource 1, 3 brackets, maxResource ${maxResource}`, algorithm: { name: "asha", settings: { minResource: 1, maxResource, brackets: 3 } } },
];

/** The jobs to replay for one family and seed: generated curves, or a recorded set shuffled by seed. */
const jobSets: { name: string; direction: "minimize" | "maximize"; jobs: Job[]; epochs: number; size: number; goals: boolean }[] = FAMILIES.map((f) => ({
  name: f.name,
  direction: f.direction,
  goals: GOAL_FAMILIES.has(f.name),
  jobs: Array.from({ length: seeds }, (_, s) => f.generate(s + 1, trials, epochs)),
  epochs,
  size: trials,
}));
const curvesDir = fileURLToPath(new URL("./curves/", import.meta.url));
const curveFiles = args.curves.length > 0 ? args.curves : readdirSync(curvesDir).filter((f) => f.endsWith(".json")).sort().map((f) => curvesDir + f);
for (const file of curveFiles) {
  const recorded = loadRecorded(readFileSync(file, "utf8"), file);
  const longest = Math.max(...recorded.curves.map((c) => c.values.length));
  jobSets.push({
    name: `recorded: ${recorded.family}`,
    direction: recorded.direction,
    jobs: Array.from({ length: seeds }, (_, s) => shuffled(recorded, s + 1)),
    epochs: longest,
    size: recorded.curves.length,
    goals: false,
  });
}

/** A recorded job with its trials in a seed-determined order, since arrival order matters to every rule. */
function shuffled(job: Job, seed: number): Job {
  const rng = createRng(seed, 77);
  const curves = [...job.curves];
  for (let i = curves.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [curves[i], curves[j]] = [curves[j] as (typeof curves)[number], curves[i] as (typeof curves)[number]];
  }
  return { ...job, curves };
}

/** How well early values predict the final objective, per family: Spearman ρ at a few epochs, averaged over jobs. */
const crossingLines = ["| family | ρ(epoch 1, final) | ρ(epoch 3, final) | ρ(epoch 9, final) |", "|---|---:|---:|---:|"];
for (const set of jobSets) {
  const rho = (epoch: number): string => {
    const usable = set.jobs.filter(() => epoch <= set.epochs);
    if (usable.length === 0) return "–";
    const mean = usable.reduce((sum, job) => sum + rankCorrelation(job, epoch, (v) => objectiveOf(v, set.direction)), 0) / usable.length;
    return mean.toFixed(2);
  };
  crossingLines.push(`| ${set.name} | ${rho(1)} | ${rho(3)} | ${rho(9)} |`);
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(x < 0.1 ? 2 : 1)}%` : "∞");
const lines: string[] = [
  `Replayed ${seeds} jobs per family, ${parallel} trials at a time (generated families: ${trials} trials × ${epochs} epochs).`,
  "Regret: how much worse the best trial that ran to the end is than the best of all trials run to the end.",
  "",
  "| family | rule and settings | epochs saved | mean regret | worst regret | best trial kept | trials stopped |",
  "|---|---|---:|---:|---:|---:|---:|",
];
const misses: string[] = [];
for (const set of jobSets) {
  for (const rule of rules(set.epochs)) {
    let saved = 0;
    let regret = 0;
    let worst = 0;
    let kept = 0;
    let stopped = 0;
    for (const job of set.jobs) {
      const o = replay(job, rule.algorithm, parallel);
      const r = relativeRegret(o);
      saved += 1 - o.epochs / o.fullEpochs;
      regret += r;
      worst = Math.max(worst, r);
      if (r === 0) kept++;
      stopped += o.stopped / job.curves.length;
    }
    const n = set.jobs.length;
    lines.push(`| ${set.name} (${set.direction}) | ${rule.label} | ${pct(saved / n)} | ${pct(regret / n)} | ${pct(worst)} | ${kept}/${n} | ${pct(stopped / n)} |`);
    if (rule.goal !== undefined && set.goals && (saved / n < rule.goal || regret / n > 0.01)) {
      misses.push(`${set.name}: ${rule.label} saves ${pct(saved / n)} (goal ≥ ${pct(rule.goal)}) with mean regret ${pct(regret / n)} (goal ≤ 1%)`);
    }
  }
}
lines.push("", "How much the curves cross (rank correlation of the value at an epoch with the final objective; 1 = never cross):", "", ...crossingLines, "");
/** Cost per report on a large job: the rules scan all trials on a check, so this is what grows with a job. */
const big = FAMILIES[0]?.generate(999, 2000, epochs);
if (big) {
  lines.push("", `Engine cost on one job of ${big.curves.length} trials × ${epochs} epochs, 50 at a time (one run; wall-clock, machine-dependent):`, "");
  lines.push("| rule | reports | µs per report |", "|---|---:|---:|");
  for (const rule of rules(epochs).filter((r) => r.goal !== undefined || r.label === "none")) {
    const t0 = performance.now();
    const o = replay(big, rule.algorithm, 50);
    const us = ((performance.now() - t0) * 1000) / o.epochs;
    lines.push(`| ${rule.label} | ${o.epochs} | ${us.toFixed(1)} |`);
  }
  lines.push("");
}
lines.push(misses.length === 0 ? "Goals met on every goal family: asha saves ≥ 60%, median ≥ 30%, mean regret ≤ 1%." : `Goals missed:\n${misses.map((m) => `- ${m}`).join("\n")}`);
console.log(lines.join("\n"));
