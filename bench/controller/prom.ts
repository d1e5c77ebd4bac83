// Reading the controller's /metrics text: single samples and histogram quantiles.

/** The value of the first sample of `name` whose labels include every `labels` pair, or undefined. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ?? "";
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}

/** A histogram's cumulative buckets (upper bound → count), count and sum. */
export interface Histogram {
  buckets: [number, number][];
  count: number;
  sum: number;
}

/** Reads histogram `name` (with the given labels) from /metrics text. */
export function histogram(text: string, name: string, labels: Record<string, string> = {}): Histogram {
  const buckets: [number, number][] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    const m = /le="([^"]+)".*\}\s+(\S+)/.exec(line);
    if (m) buckets.push([m[1] === "+Inf" ? Infinity : Number(m[1]), Number(m[2])]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  return { buckets, count: sample(text, `${name}_count`, labels) ?? 0, sum: sample(text, `${name}_sum`, labels) ?? 0 };
}

/** The q-quantile as Prometheus' histogram_quantile computes it (linear within a bucket; the last finite bound for +Inf). */
export function quantile(h: Histogram, q: number): number {
  if (h.count === 0 || h.buckets.length === 0) return NaN;
  const rank = q * h.count;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of h.buckets) {
    if (count >= rank) {
      if (bound === Infinity) return prevBound;
      return prevBound + (bound - prevBound) * ((rank - prevCount) / Math.max(1, count - prevCount));
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

/** Subtracts an earlier snapshot of the same histogram (to measure one scenario of a long-lived process). */
export function since(now: Histogram, before: Histogram): Histogram {
  const prev = new Map(before.buckets);
  return { buckets: now.buckets.map(([b, c]) => [b, c - (prev.get(b) ?? 0)]), count: now.count - before.count, sum: now.sum - before.sum };
}
