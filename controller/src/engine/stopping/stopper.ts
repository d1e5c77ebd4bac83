import { z } from "zod";
import { clearCurve, emptyCurve, pointsOf, setPoint, stepBefore } from "./curve.ts";
import { createAshaRule } from "./asha.ts";
import { createMedianRule } from "./median.ts";
import { CONTINUE, type SignedMetric, type Rule, type TrialRecord } from "./rule.ts";
import { StopperConfig, type StopperConfigInput } from "./settings.ts";
import { TrialHistory, type Decision, type Stopper } from "./types.ts";

const History = z.array(TrialHistory);

/** Formats zod issues as `where: what` lines for an error message. */
function explain(error: z.ZodError, root: string): string {
  return error.issues.map((i) => `${[root, ...i.path.map(String)].join(".")}: ${i.message}`).join("; ");
}

function ruleFor(config: StopperConfig, objective: SignedMetric): Rule | undefined {
  const { algorithm } = config;
  switch (algorithm.name) {
    case "none":
      return undefined;
    case "median":
      return createMedianRule(algorithm.settings, objective);
    case "asha":
      return createAshaRule(algorithm.settings, objective);
  }
}

/**
 * The last step judged before a report at `step`: the step before it, unless points recorded without
 * judging lie in between (then the last step that was judged), so every rung they crossed is judged now.
 */
function judgedBefore(rec: TrialRecord, step: number): number | undefined {
  const before = stepBefore(rec.curve, step);
  if (before === undefined || rec.judgedUpTo === undefined) return undefined;
  return Math.min(before, rec.judgedUpTo);
}

/**
 * Creates the early-stopping engine of one job. Pass `history` (stored learning curves) to rebuild it after
 * a restart: its state is a function of each trial's curve and terminal state only, and every stored point
 * counts as judged, so the decisions that follow are the ones the original would have made and nothing
 * stored is judged again. Deterministic: no clock, no randomness.
 */
export function createStopper(config: StopperConfigInput, history: readonly TrialHistory[] = []): Stopper {
  const parsedConfig = StopperConfig.safeParse(config);
  if (!parsedConfig.success) throw new Error(`invalid early-stopping config: ${explain(parsedConfig.error, "config")}`);
  const cfg = parsedConfig.data;
  const objective: SignedMetric = { sign: cfg.direction === "minimize" ? 1 : -1, metric: cfg.metric ?? "objective" };
  const rule = ruleFor(cfg, objective);
  const trials = new Map<string, TrialRecord>();

  const recordOf = (trial: string, where: string): TrialRecord => {
    if (typeof trial !== "string" || trial === "") throw new TypeError(`${where}: trial must be a non-empty string, got ${JSON.stringify(trial)}`);
    let rec = trials.get(trial);
    if (!rec) {
      rec = { name: trial, curve: emptyCurve(), state: "running" };
      trials.set(trial, rec);
    }
    return rec;
  };

  const parsedHistory = History.safeParse(history);
  if (!parsedHistory.success) throw new Error(`invalid learning-curve history: ${explain(parsedHistory.error, "history")} (curves hold finite values at whole steps ≥ 0)`);
  for (const [i, h] of parsedHistory.data.entries()) {
    if (trials.has(h.trial)) throw new Error(`invalid learning-curve history: history.${i}.trial "${h.trial}" appears twice; pass one entry per trial`);
    const rec = recordOf(h.trial, "history");
    rec.state = h.state;
    if (h.state === "stopped") rec.reason = h.reason ?? `${cfg.algorithm.name}: trial ${h.trial} was already stopped`;
    if (h.state !== "failed") for (const p of h.curve) setPoint(rec.curve, p.step, p.value);
    const last = rec.curve.steps[rec.curve.steps.length - 1];
    if (last !== undefined) rec.judgedUpTo = last;
  }

  return {
    report(trial, step, value): Decision {
      const rec = recordOf(trial, "report");
      if (!Number.isInteger(step) || step < 0) throw new RangeError(`report(${JSON.stringify(trial)}): step must be a whole number ≥ 0, got ${step}`);
      if (typeof value !== "number") throw new TypeError(`report(${JSON.stringify(trial)}, ${step}): value must be a number, got ${typeof value}`);
      if (rec.state === "failed") return CONTINUE;
      // Non-finite values never enter a curve: they say nothing about how good other trials are.
      if (Number.isFinite(value)) setPoint(rec.curve, step, value);
      if (rec.state === "stopped") return { action: "stop", reason: rec.reason ?? `trial ${trial} was already stopped` };
      if (rec.state === "completed" || rule === undefined) return CONTINUE;
      if (!Number.isFinite(value)) {
        rec.state = "stopped";
        rec.reason = `diverged: ${objective.metric} is ${value} at step ${step}`;
        return { action: "stop", reason: rec.reason };
      }
      const decision = rule.judge(rec, step, trials, judgedBefore(rec, step));
      rec.judgedUpTo = Math.max(rec.judgedUpTo ?? step, step);
      if (decision.action === "stop") {
        rec.state = "stopped";
        rec.reason = decision.reason;
      }
      return decision;
    },
    record(trial, step, value, judged) {
      const rec = recordOf(trial, "record");
      if (!Number.isInteger(step) || step < 0) throw new RangeError(`record(${JSON.stringify(trial)}): step must be a whole number ≥ 0, got ${step}`);
      if (rec.state === "failed" || !Number.isFinite(value)) return;
      setPoint(rec.curve, step, value);
      if (judged) rec.judgedUpTo = Math.max(rec.judgedUpTo ?? step, step);
    },
    complete(trial) {
      const rec = recordOf(trial, "complete");
      // A stopped trial's truncated curve must not pass for a finished one, even if its process exits cleanly.
      if (rec.state === "running") rec.state = "completed";
    },
    fail(trial) {
      const rec = recordOf(trial, "fail");
      rec.state = "failed";
      clearCurve(rec.curve);
    },
    history() {
      return [...trials.values()].map((rec) => {
        const h: TrialHistory = { trial: rec.name, curve: pointsOf(rec.curve), state: rec.state };
        if (rec.state === "stopped" && rec.reason !== undefined) h.reason = rec.reason;
        return h;
      });
    },
  };
}
