/**
 * Which observations the GP conditions on. Up to `cap` all of them; beyond, the history is cut into
 * epochs of cap/4 observations: the set is a subsample (the best half plus an even stride through the
 * rest) of the observations before the current epoch, sized cap - cap/4, followed by every observation
 * of the epoch in tell order. Inside an epoch the set only grows at its end, so consecutive asks extend
 * one Cholesky factor by row appends instead of refactoring it, and it never exceeds `cap` points, so
 * the cost of an ask stops growing with the history.
 */

/** Indices (ascending) of the observations to condition on, given all values in tell order. */
export function conditioningSet(values: readonly number[], cap: number): number[] {
  const n = values.length;
  const all = values.map((_, i) => i);
  if (n <= cap) return all;
  const epoch = Math.max(1, cap >> 2);
  const start = cap + Math.floor((n - cap - 1) / epoch) * epoch;
  return [...subsample(values, start, cap - epoch), ...all.slice(start)];
}

/** The best half plus an even stride of the rest, `size` indices of the first `count` values, ascending. */
function subsample(values: readonly number[], count: number, size: number): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  const byValue = [...all].sort((a, b) => (values[a]! < values[b]! ? -1 : values[a]! > values[b]! ? 1 : a - b));
  const keep = new Set(byValue.slice(0, size >> 1));
  const rest = all.filter((i) => !keep.has(i));
  const want = size - keep.size;
  for (let k = 0; k < want; k++) keep.add(rest[Math.floor((k * rest.length) / want)]!);
  return [...keep].sort((a, b) => a - b);
}
