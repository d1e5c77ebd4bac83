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

/**
 * The message of anything thrown, for a log field, with its causes: fetch reports only "fetch failed"
 * and keeps the reason (connect ECONNREFUSED 127.0.0.1:6443) in `cause`, several of them for a host
 * with several addresses (an AggregateError without a message of its own).
 */
export function errorText(e: unknown): string {
  const parts: string[] = [];
  let current: unknown = e;
  // A cause chain is short; the bound only guards against a cycle.
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const text = current instanceof AggregateError && current.errors.length > 0 ? [...new Set(current.errors.map((x) => errorText(x)))].join("; ") : current instanceof Error ? current.message : String(current);
    if (text !== "" && !parts.some((p) => p.includes(text))) parts.push(text);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ");
}

/** How a sampled logger thins repeated lines (see `sampled`). */
export interface Sampling {
  /** Fields that, with the level and message, make lines "the same"; only fields of few distinct values (a reason, not a trial name). */
  keys: readonly string[];
  /** Lines of one kind written before sampling starts. */
  first?: number;
  /** How often a kind that is being sampled writes its summary line (when it held any back). */
  intervalMs?: number;
}

/** Lines of one kind written in full before they are only counted. */
export const SAMPLE_FIRST = 10;
/** Interval of the summary line of a sampled kind. */
export const SAMPLE_INTERVAL_MS = 10_000;

interface Kind {
  level: Level;
  msg: string;
  keyFields: Fields;
  written: number;
  suppressed: number;
  /** Lines of this kind (written or not) since the last tick. */
  recent: number;
}

/**
 * A logger that writes the first `first` lines of each kind (level, message and the `keys` fields),
 * then only counts them: once per `intervalMs` it writes one line of that kind with the key fields and
 * `suppressed` (how many were held back), so a flood of bad messages costs a few lines, not one each.
 * A kind not seen for a whole interval starts over, so a slow repeat (a retry every 2 s) is sampled too. Loggers made by `with` share the counts.
 */
export function sampled(log: Logger, s: Sampling): Logger {
  const first = s.first ?? SAMPLE_FIRST;
  const interval = s.intervalMs ?? SAMPLE_INTERVAL_MS;
  const kinds = new Map<string, Kind>();
  const tick = (key: string): void => {
    const k = kinds.get(key);
    if (!k) return;
    if (k.recent === 0) {
      kinds.delete(key);
      return;
    }
    if (k.suppressed > 0) log[k.level](k.msg, { ...k.keyFields, suppressed: k.suppressed, intervalSeconds: interval / 1000 });
    k.suppressed = 0;
    k.recent = 0;
    schedule(key);
  };
  // Unref'd: a pending summary never keeps the process alive.
  const schedule = (key: string): void => void setTimeout(() => tick(key), interval).unref?.();
  const make = (base: Fields): Logger => {
    const emit = (level: Level, msg: string, fields: Fields = {}): void => {
      const all = { ...base, ...fields };
      const key = JSON.stringify([level, msg, ...s.keys.map((f) => all[f] ?? null)]);
      let k = kinds.get(key);
      if (!k) {
        k = { level, msg, keyFields: Object.fromEntries(s.keys.map((f) => [f, all[f]])), written: 0, suppressed: 0, recent: 0 };
        kinds.set(key, k);
        schedule(key);
      }
      k.recent++;
      if (k.written < first) {
        k.written++;
        log[level](msg, all);
      } else k.suppressed++;
    };
    return {
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      with: (fields) => make({ ...base, ...fields }),
    };
  };
  return make({});
}
