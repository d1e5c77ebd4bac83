import { MAX_MESSAGE_BYTES, MetricMessage, parseReportLine } from "../api/metrics.ts";
import type { MetricsCollector } from "../api/metrics-collector.ts";
import { parseKeyValueLine, type ParsedLine } from "./keyvalue.ts";
import { regexLineParser } from "./regex-format.ts";

/** Longest line a collector parses, in characters; a longer one is malformed (it is never matched against a pattern). */
export const MAX_LINE_LENGTH = MAX_MESSAGE_BYTES;

/** What one line of a trial's output is: a report, ordinary output, or a malformed metrics line (and why). */
export type LineResult = { kind: "report"; message: MetricMessage } | { kind: "ordinary" } | { kind: "malformed"; problem: string };

/** Reads a trial's output lines in order; stateful only for steps counted by line. */
export interface LineReader {
  read(line: string): LineResult;
}

/**
 * The one parser of trial output, shared by `kubetune run` and the cluster's collector. Without a
 * collector (an SDK trial) and with format json it reads the stdout protocol (`@@kubetune {...}`).
 * keyvalue and regex lines without a step get the previous step + 1 (the first gets 1).
 */
export function createLineReader(collector: Pick<MetricsCollector, "format" | "pattern"> | undefined, trial: string): LineReader {
  const format = collector?.format ?? "json";
  if (format === "json") {
    return {
      read(line) {
        if (line.length > MAX_LINE_LENGTH) return tooLong(line);
        const r = parseReportLine(line);
        if (!r.ok) return r.reason === "not_a_report" ? { kind: "ordinary" } : { kind: "malformed", problem: r.detail };
        if (r.message.trial !== trial) return { kind: "malformed", problem: `report names trial "${r.message.trial}", not "${trial}"` };
        return { kind: "report", message: r.message };
      },
    };
  }
  const parse: (line: string) => ParsedLine = format === "keyvalue" ? parseKeyValueLine : regexLineParser(collector?.pattern ?? "");
  let lastStep = 0;
  return {
    read(line) {
      if (line.length > MAX_LINE_LENGTH) return tooLong(line);
      const p = parse(line.endsWith("\r") ? line.slice(0, -1) : line);
      if (p.kind !== "metrics") return p;
      const step = p.step ?? lastStep + 1;
      const m = MetricMessage.safeParse({ trial, step, metrics: p.metrics });
      if (!m.success) return { kind: "malformed", problem: m.error.issues[0]?.message ?? "invalid report" };
      lastStep = step;
      return { kind: "report", message: m.data };
    },
  };
}

function tooLong(line: string): LineResult {
  return { kind: "malformed", problem: `line is longer than ${MAX_LINE_LENGTH} characters (starts ${JSON.stringify(line.slice(0, 40))}); not parsed` };
}
