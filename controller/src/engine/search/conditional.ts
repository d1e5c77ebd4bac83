/**
 * Counting and enumerating the points of a conditional space: a point is an assignment of the
 * parameters active there, so a branch whose parameters are inactive counts once, not once per value
 * of the parameters it leaves out.
 */
import type { Parameter, Params, ParamValue } from "../../api/parameters.ts";

/** Parameter indices ordered so that every parent comes before its children (declared order otherwise). */
export function parentsFirst(ps: readonly Parameter[]): number[] {
  const index = new Map(ps.map((p, i) => [p.name, i]));
  const placed = new Set<number>();
  const out: number[] = [];
  const place = (i: number, depth: number): void => {
    if (placed.has(i)) return;
    const parent = ps[i]?.when?.parameter;
    const j = parent === undefined ? undefined : index.get(parent);
    if (j !== undefined && depth < ps.length) place(j, depth + 1);
    placed.add(i);
    out.push(i);
  };
  ps.forEach((_, i) => place(i, 0));
  return out;
}

/** Whether parameter p is active given the values assigned so far (its parent is assigned first, and only while active). */
function activeGiven(p: Parameter, point: Readonly<Params>): boolean {
  if (!p.when) return true;
  const v = point[p.when.parameter];
  return v !== undefined && p.when.in.includes(v);
}

/** A controller's values grouped by which of its children they activate: one representative and the group's size. */
function classesOf(name: string, values: readonly ParamValue[], ps: readonly Parameter[]): { rep: ParamValue; count: number }[] {
  const children = ps.filter((q) => q.when?.parameter === name);
  const groups = new Map<string, { rep: ParamValue; count: number }>();
  for (const v of values) {
    const signature = children.map((c) => (c.when?.in.includes(v) ? "1" : "0")).join("");
    const g = groups.get(signature);
    if (g) g.count++;
    else groups.set(signature, { rep: v, count: 1 });
  }
  return [...groups.values()];
}

/**
 * Number of distinct assignments of active parameters: the sum over branches of the product of the
 * active parameters' level counts (Infinity when a continuous parameter can be active). `levels[i]` is
 * parameter i's number of values and `valuesOf(i)` lists them (asked only for parameters that others depend on).
 */
export function countActive(ps: readonly Parameter[], levels: readonly { levels: number }[], valuesOf: (i: number) => ParamValue[]): number {
  const order = parentsFirst(ps);
  const controllers = new Set(ps.flatMap((p) => (p.when ? [p.when.parameter] : [])));
  const classes = new Map<number, { rep: ParamValue; count: number }[]>();
  const point: Params = {};
  const count = (k: number): number => {
    const i = order[k];
    if (i === undefined) return 1;
    const p = ps[i] as Parameter;
    if (!activeGiven(p, point)) return count(k + 1);
    const own = (levels[i] as { levels: number }).levels;
    if (!controllers.has(p.name)) return Number.isFinite(own) ? own * count(k + 1) : Infinity;
    let cs = classes.get(i);
    if (!cs) classes.set(i, (cs = classesOf(p.name, valuesOf(i), ps)));
    let total = 0;
    for (const c of cs) {
      point[p.name] = c.rep;
      total += c.count * count(k + 1);
    }
    delete point[p.name];
    return total;
  };
  return count(0);
}

/**
 * Every distinct assignment of active parameters, lexicographic in parents-first order (the last
 * parameter varies fastest; for a space without conditions this is the grid's declared order), or null
 * when there are more than `limit`. `axes[i]` lists parameter i's values.
 */
export function activePoints(ps: readonly Parameter[], axes: readonly (readonly ParamValue[])[], limit: number): Params[] | null {
  const order = parentsFirst(ps);
  const out: Params[] = [];
  const point: Params = {};
  const visit = (k: number): boolean => {
    const i = order[k];
    if (i === undefined) {
      if (out.length >= limit) return false;
      const canonical: Params = {};
      for (const p of ps) if (point[p.name] !== undefined) canonical[p.name] = point[p.name] as ParamValue;
      out.push(canonical);
      return true;
    }
    const p = ps[i] as Parameter;
    if (!activeGiven(p, point)) return visit(k + 1);
    for (const v of axes[i] ?? []) {
      point[p.name] = v;
      if (!visit(k + 1)) return false;
    }
    delete point[p.name];
    return true;
  };
  return visit(0) ? out : null;
}
