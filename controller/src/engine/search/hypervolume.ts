/**
 * Hypervolume (the Lebesgue measure of the region dominated by a set of minimized points and bounded
 * by a reference point): a sweep in 2-D, and slicing along the last objective above that (HSO), which
 * is exact in any dimension — O(n² log n) in 3-D, O(n³ log n) in 4-D, ample for fronts of trials.
 */

/** Area dominated by 2-D points (each strictly better than ref in both coordinates). */
function area(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const sorted = [...points].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let total = 0;
  let ceiling = ref[1]!;
  for (const p of sorted) {
    if (p[1]! >= ceiling) continue;
    total += (ref[0]! - p[0]!) * (ceiling - p[1]!);
    ceiling = p[1]!;
  }
  return total;
}

/** Hypervolume of points that all strictly dominate ref, in `d` leading coordinates. */
function slice(points: readonly (readonly number[])[], ref: readonly number[], d: number): number {
  if (points.length === 0) return 0;
  if (d === 1) return ref[0]! - Math.min(...points.map((p) => p[0]!));
  if (d === 2) return area(points, ref);
  const k = d - 1;
  const sorted = [...points].sort((a, b) => a[k]! - b[k]!);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1]![k]! : ref[k]!;
    const depth = top - sorted[i]![k]!;
    if (depth > 0) total += depth * slice(sorted.slice(0, i + 1), ref, k);
  }
  return total;
}

/**
 * Hypervolume of minimized points with respect to `reference`; points that do not strictly dominate
 * the reference add nothing. Throws on a dimension mismatch or non-finite input.
 */
export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const d = reference.length;
  if (d === 0 || !reference.every(Number.isFinite)) throw new Error(`hypervolume: the reference point must be finite numbers, got [${reference.join(", ")}]`);
  const inside: (readonly number[])[] = [];
  points.forEach((p, i) => {
    if (p.length !== d) throw new Error(`hypervolume: point ${i} has ${p.length} coordinates, the reference ${d}`);
    if (!p.every(Number.isFinite)) throw new Error(`hypervolume: point ${i} is not finite: [${p.join(", ")}]`);
    if (p.every((x, j) => x < reference[j]!)) inside.push(p);
  });
  return slice(inside, reference, d);
}

/** Each point's exclusive contribution: the hypervolume lost when it alone is removed (0 for dominated points). */
export function hypervolumeContributions(points: readonly (readonly number[])[], reference: readonly number[]): number[] {
  const all = hypervolume(points, reference);
  return points.map((_, i) => Math.max(0, all - hypervolume(points.filter((__, j) => j !== i), reference)));
}
