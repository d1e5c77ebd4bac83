// Figures from bench:ingest's samples.
import type { ControllerSample } from "./protocol.ts";

/** The q-quantile (0…1) of some values, nearest rank; NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** Throughput and cost of the controller between two samples. */
export interface Window {
  /** Accepted reports per wall-clock second. */
  acceptedPerSecond: number;
  /** Controller CPU time per accepted report, µs. */
  cpuUsPerMessage: number;
  /** Share of one core the controller used (CPU time / wall time). */
  cpuShare: number;
  /** Trial status patches per accepted report. */
  patchesPerMessage: number;
  /** 99th percentile of the controller's event-loop delay over the window, ms. */
  loopDelayP99Ms: number;
}

/** What the controller did between two samples. */
export function windowOf(a: ControllerSample, b: ControllerSample): Window {
  const accepted = b.accepted - a.accepted;
  const wallMs = b.atMs - a.atMs;
  const cpuUs = b.cpuUs - a.cpuUs;
  return {
    acceptedPerSecond: (accepted * 1000) / wallMs,
    cpuUsPerMessage: cpuUs / accepted,
    cpuShare: cpuUs / 1000 / wallMs,
    patchesPerMessage: (b.trialPatches - a.trialPatches) / accepted,
    loopDelayP99Ms: b.loopDelayP99Ms,
  };
}

/** The samples bracketing the middle of a drain: the first at ≥ 5 % and the first at ≥ 95 % of `total` accepted. */
export function drainWindow(samples: readonly ControllerSample[], total: number): [ControllerSample, ControllerSample] | undefined {
  const from = samples.find((s) => s.accepted >= 0.05 * total);
  const to = samples.find((s) => s.accepted >= 0.95 * total);
  return from && to && to.atMs > from.atMs ? [from, to] : undefined;
}

/** A number with thousands separators and `digits` decimals. */
export function num(x: number, digits = 0): string {
  return Number.isFinite(x) ? x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "—";
}

/** A Markdown table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map((h, i) => (i === 0 ? "---" : "---:"))), ...rows.map(line)].join("\n");
}
