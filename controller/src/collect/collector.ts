import type { MetricMessage } from "../api/metrics.ts";
import type { Logger } from "../telemetry/log.ts";
import type { LineReader } from "./line-format.ts";
import { lineSplitter } from "./lines.ts";

/** Metric of the collector's final report: lines that looked like metrics but could not be read. */
export const MALFORMED_METRIC = "collector_malformed_lines";

/** The collector's I/O, injected so the loop is tested with a fake file and publisher. */
export interface CollectorIo {
  /** Bytes of the file from `position` (empty at its end), or why there are none yet (the trial has not created it). */
  read(position: number): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; reason: "absent"; detail: string }>;
  /** Publishes one report; false when it was given up on (the sink already warned). */
  publish(message: MetricMessage): Promise<boolean>;
  /** Waits `ms`, or less when `stop` resolves first. */
  sleep(ms: number): Promise<void>;
}

/** What the collector did, for its last log line. */
export interface CollectorSummary {
  lines: number;
  reports: number;
  malformed: number;
  dropped: number;
}

/**
 * Follows a trial's output file from its start until `stop` resolves, then reads it to the end,
 * publishes every report in order and a final report (the last step, its metrics and
 * collector_malformed_lines). Re-reading after a restart re-publishes the same reports with the same
 * message ids, so it is idempotent.
 */
export async function runCollector(o: { trial: string; reader: LineReader; pollMs: number; stop: Promise<void>; log: Logger }, io: CollectorIo): Promise<CollectorSummary> {
  let stopped = false;
  void o.stop.then(() => (stopped = true));
  const splitter = lineSplitter();
  const summary: CollectorSummary = { lines: 0, reports: 0, malformed: 0, dropped: 0 };
  let position = 0;
  let last: { step: number; metrics: Record<string, number> } = { step: 0, metrics: {} };
  let waitingLogged = false;

  const handle = async (lines: string[]): Promise<void> => {
    for (const line of lines) {
      summary.lines++;
      const r = o.reader.read(line);
      if (r.kind === "malformed") {
        summary.malformed++;
        o.log.warn("malformed metrics line ignored", { problem: r.problem, line: line.slice(0, 200), malformedSoFar: summary.malformed });
      } else if (r.kind === "report") {
        summary.reports++;
        if (!(await io.publish(r.message))) summary.dropped++;
        last = { step: r.message.step, metrics: { ...r.message.metrics } };
      }
    }
  };

  for (;;) {
    // Decided before the read: after a stop, reading on until an empty read drains the file.
    const draining = stopped;
    const r = await io.read(position);
    if (!r.ok) {
      if (draining) break;
      if (!waitingLogged) o.log.info("waiting for the trial's output file", { detail: r.detail });
      waitingLogged = true;
      await io.sleep(o.pollMs);
      continue;
    }
    const chunk = r.bytes;
    if (chunk.byteLength === 0) {
      if (draining) break;
      await io.sleep(o.pollMs);
      continue;
    }
    position += chunk.byteLength;
    await handle(splitter.push(chunk));
  }
  await handle(splitter.end());
  const final: MetricMessage = { trial: o.trial, step: last.step, metrics: { ...last.metrics, [MALFORMED_METRIC]: summary.malformed }, final: true };
  if (!(await io.publish(final))) summary.dropped++;
  return summary;
}
