/** Severity of a log line. */
export type Level = "debug" | "info" | "warn" | "error";

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Fields attached to a log line (job, trial, namespace, error...). */
export type Fields = Record<string, string | number | boolean | undefined | null>;

/** A structured logger: one JSON object per line. */
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger that adds these fields to every line. */
  with(fields: Fields): Logger;
}

/** Formats one log line as JSON (time, level, msg, then fields; undefined fields are left out). */
export function formatLine(level: Level, msg: string, fields: Fields, now: Date): string {
  const line: Record<string, unknown> = { time: now.toISOString(), level, msg };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) line[k] = v;
  return JSON.stringify(line);
}

/** Creates a JSON-lines logger writing lines at or above `level` to `write` (default: stderr). */
export function createLogger(level: Level = "info", write: (line: string) => void = (l) => process.stderr.write(`${l}\n`), base: Fields = {}): Logger {
  const emit = (l: Level, msg: string, fields: Fields = {}): void => {
    if (RANK[l] >= RANK[level]) write(formatLine(l, msg, { ...base, ...fields }, new Date()));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    with: (fields) => createLogger(level, write, { ...base, ...fields }),
  };
}

/** The message of anything thrown, for a log field. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
