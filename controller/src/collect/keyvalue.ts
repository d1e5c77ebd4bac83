import { MAX_STEP, MetricName } from "../api/metrics.ts";

/** A line read as metrics: its step (when the line carries one) and its values. */
export type ParsedLine = { kind: "metrics"; step?: number; metrics: Record<string, number> } | { kind: "ordinary" } | { kind: "malformed"; problem: string };

/** Keys that carry the step instead of a metric, in order of preference. */
export const STEP_KEYS = ["step", "epoch"] as const;

const PAIR = /^([^=\s,;]+)=([^=\s,;]*)$/;
const SEPARATORS = /[\s,;]+/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Reads a number as written in a log line (decimal, optional exponent); undefined for anything else (nan, inf, 1e999). */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Reads a step value: an integer from 0 to MAX_STEP. */
export function parseStep(text: string): number | undefined {
  const n = /^\+?\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(n) && n <= MAX_STEP ? n : undefined;
}

/**
 * Parses a `key=value` line such as `epoch=3 loss=0.2, val_loss=0.25`. A line made only of such pairs
 * (separated by spaces, commas or semicolons) is a metrics line; its `step` key, else its `epoch` key,
 * is the step. A line without one valid `name=number` pair is ordinary output; a line with one that
 * does not parse whole (`Epoch 3: loss=0.2`, `loss=0.2 acc=n/a`) is malformed: counted, so that a
 * format mismatch does not go unnoticed.
 */
export function parseKeyValueLine(line: string): ParsedLine {
  const text = line.trim();
  if (!text.includes("=")) return { kind: "ordinary" };
  const tokens = text.split(SEPARATORS);
  if (!tokens.some(isValidPair)) return { kind: "ordinary" };
  const metrics: Record<string, number> = {};
  const steps: Partial<Record<(typeof STEP_KEYS)[number], number>> = {};
  for (const token of tokens) {
    const m = PAIR.exec(token);
    if (!m) return { kind: "malformed", problem: `"${token}" is not a key=value pair` };
    const [, key, raw] = m as unknown as [string, string, string];
    if ((key === "step" || key === "epoch") && steps[key] === undefined) {
      const s = parseStep(raw);
      if (s === undefined) return { kind: "malformed", problem: `${key} "${raw}" is not an integer from 0 to ${MAX_STEP}` };
      steps[key] = s;
      continue;
    }
    if (!MetricName.safeParse(key).success) return { kind: "malformed", problem: `"${key}" is not a metric name (letters, digits, _ . : -, starting with a letter or _)` };
    const value = parseNumber(raw);
    if (value === undefined) return { kind: "malformed", problem: `${key}: "${raw}" is not a finite number` };
    metrics[key] = value;
  }
  // With both keys, step is the step and epoch is an ordinary metric.
  if (steps.step !== undefined && steps.epoch !== undefined) metrics.epoch = steps.epoch;
  const step = steps.step ?? steps.epoch;
  if (Object.keys(metrics).length === 0) return { kind: "ordinary" };
  return { kind: "metrics", ...(step !== undefined ? { step } : {}), metrics };
}

function isValidPair(token: string): boolean {
  const m = PAIR.exec(token);
  return m !== null && MetricName.safeParse(m[1]).success && parseNumber(m[2] ?? "") !== undefined;
}
