import { createRng, type Rng } from "../../controller/src/engine/search/rng.ts";

import type { FullCurve } from "../../controller/src/engine/stopping/replay.ts";

/** A set of trials to replay: what the objective is and every trial's full curve. */
export interface Job {
  family: string;
  direction: "minimize" | "maximize";
  curves: FullCurve[];
}

/** A family of learning curves: a name, a direction and a generator keyed by seed. */
export interface Family {
  name: string;
  description: string;
  direction: "minimize" | "maximize";
  generate(seed: number, trials: number, epochs: number): Job;
}

/** Multiplicative noise as epoch-to-epoch validation jitter: σ relative to the value. */
function jitter(rng: Rng, v: number, sigma: number): number {
  return v * (1 + sigma * rng.normal());
}

function family(name: string, description: string, direction: "minimize" | "maximize", curve: (rng: Rng, epochs: number) => number[]): Family {
  return {
    name,
    description,
    direction,
    generate(seed, trials, epochs) {
      const rng = createRng(seed, name.length, name.charCodeAt(0));
      const curves = Array.from({ length: trials }, (_, i) => ({ trial: `${name}-${seed}-${i}`, values: curve(rng, epochs) }));
      return { family: name, direction, curves };
    },
  };
}

const range = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.next();
const epochsOf = (epochs: number): number[] => Array.from({ length: epochs }, (_, i) => i + 1);

/** Spearman-ready ranks of a list (0 = smallest), ties broken by position. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length).fill(0);
  order.forEach(([, i], k) => (r[i] = k));
  return r;
}

/** Spearman rank correlation between trials' values at `epoch` and their final objective: how much the curves cross. */
export function rankCorrelation(job: Job, epoch: number, objective: (values: readonly number[]) => number): number {
  const usable = job.curves.filter((c) => Number.isFinite(c.values[epoch - 1] ?? Number.NaN) && Number.isFinite(objective(c.values)));
  const a = ranks(usable.map((c) => c.values[epoch - 1] ?? 0));
  const b = ranks(usable.map((c) => objective(c.values)));
  const n = usable.length;
  const d2 = a.reduce((sum, x, i) => sum + (x - (b[i] ?? 0)) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

/** The families the bench replays, from easy to hard for early stopping; the last is a stress test outside the goals. */
export const FAMILIES: Family[] = [
  family("exponential", "val_loss = floor + (2.3 - floor)·e^(-t/τ), floor 0.15–0.9 and τ 1–5 epochs independent, 2% noise", "minimize", (rng, epochs) => {
    const floor = range(rng, 0.15, 0.9);
    const tau = range(rng, 1, 5);
    return epochsOf(epochs).map((t) => jitter(rng, floor + (2.3 - floor) * Math.exp(-t / tau), 0.02));
  }),
  family("power-law", "val_loss = floor + b·t^(-α), floor 0.1–0.6, b 0.5–2, α 0.3–1.2, 3% noise", "minimize", (rng, epochs) => {
    const floor = range(rng, 0.1, 0.6);
    const b = range(rng, 0.5, 2);
    const alpha = range(rng, 0.3, 1.2);
    return epochsOf(epochs).map((t) => jitter(rng, floor + b * t ** -alpha, 0.03));
  }),
  family("early-crossing", "slow starters end lower, but catch up within ~3 epochs: τ ≈ 0.4–1.4 epochs falls as the floor 0.15–0.65 rises, start 2.0–2.6; 2% noise", "minimize", (rng, epochs) => {
    const q = rng.next(); // 0 = lowest floor
    const floor = 0.15 + 0.5 * q;
    const tau = Math.max(0.3, 0.4 + 1.0 * (1 - q) + 0.2 * rng.normal());
    const start = range(rng, 2.0, 2.6);
    return epochsOf(epochs).map((t) => jitter(rng, floor + (start - floor) * Math.exp(-t / tau), 0.02));
  }),
  family("crossing", "slow starters end lower: τ ≈ 0.8–3.2 epochs falls as the floor 0.15–0.65 rises (r ≈ -0.85), start 2.0–2.6, so the order settles only around epoch 6; 2% noise", "minimize", (rng, epochs) => {
    const q = rng.next(); // 0 = lowest floor
    const floor = 0.15 + 0.5 * q;
    const tau = Math.max(0.6, 0.8 + 2.4 * (1 - q) + 0.4 * rng.normal());
    const start = range(rng, 2.0, 2.6);
    return epochsOf(epochs).map((t) => jitter(rng, floor + (start - floor) * Math.exp(-t / tau), 0.02));
  }),
  family("accuracy", "val_accuracy (maximize) = ceil - (ceil - 0.1)·e^(-t/τ), ceil 0.6–0.98, τ 1–5, 1% noise; 10% of trials diverge to NaN", "maximize", (rng, epochs) => {
    const ceil = range(rng, 0.6, 0.98);
    const tau = range(rng, 1, 5);
    const divergeAt = rng.next() < 0.1 ? 2 + rng.int(epochs - 2) : Infinity;
    return epochsOf(epochs).map((t) => (t >= divergeAt ? Number.NaN : Math.min(1, jitter(rng, ceil - (ceil - 0.1) * Math.exp(-t / tau), 0.01))));
  }),
  family("late-crossing", "stress test: like crossing but τ up to 8–10 epochs, so the best trials overtake only after epoch ~12", "minimize", (rng, epochs) => {
    const q = rng.next();
    const floor = 0.15 + 0.5 * q;
    const tau = Math.max(0.8, 1 + 7 * (1 - q) + 1.5 * rng.normal());
    const start = range(rng, 2.0, 2.6);
    return epochsOf(epochs).map((t) => jitter(rng, floor + (start - floor) * Math.exp(-t / tau), 0.02));
  }),
];

/** Families whose results are held to the goals (the stress test is reported, not judged). */
export const GOAL_FAMILIES = new Set(["exponential", "power-law", "early-crossing", "crossing", "accuracy"]);
