/**
 * Conditional parameters: a parameter with `when: { parameter, in }` is active only while the named
 * parameter is active and takes one of the listed values. This module checks a list of parameters for
 * references that cannot work (unknown names, self-reference, cycles, values the parent never takes)
 * and decides which parameters of a point are active. It lives in api/ because both the engine and the
 * trial templates/environment need the same answer.
 */
import type { z } from "zod";

/** A parameter value as the conditions see it. */
type Value = string | number;

/** The condition of a conditional parameter. */
export interface When {
  parameter: string;
  in: readonly Value[];
}

/** What the conditions need to know about a parameter (the zod-parsed parameter satisfies it). */
export interface ConditionalParameter {
  name: string;
  type: "double" | "int" | "categorical" | "discrete";
  min?: number;
  max?: number;
  step?: number | undefined;
  scale?: "linear" | "log";
  values?: readonly Value[];
  when?: When | undefined;
}

/** Relative tolerance for a stepped value lying on its grid. */
const ON_GRID = 1e-9;

/** Why `v` can never be a value of parameter `p`, or null when it can. */
function impossible(p: ConditionalParameter, v: Value): string | null {
  switch (p.type) {
    case "categorical":
      if (typeof v !== "string") return `${JSON.stringify(v)} is a number but ${p.name} is categorical; write it as the string "${v}"`;
      return (p.values ?? []).includes(v) ? null : `${JSON.stringify(v)} is not one of ${p.name}'s values ${JSON.stringify(p.values)}`;
    case "discrete":
      if (typeof v !== "number") return `${JSON.stringify(v)} is a string but ${p.name} is discrete; use one of its numbers ${JSON.stringify(p.values)}`;
      return (p.values ?? []).includes(v) ? null : `${v} is not one of ${p.name}'s values ${JSON.stringify(p.values)}`;
    case "int":
    case "double": {
      const min = p.min ?? 0;
      const max = p.max ?? 0;
      const step = p.step ?? (p.type === "int" ? 1 : undefined);
      if (step === undefined) return `${p.name} is a continuous double, so a condition on single values of it would almost never hold; give ${p.name} a step or make it discrete`;
      if (typeof v !== "number") return `${JSON.stringify(v)} is a string but ${p.name} is ${p.type === "int" ? "an int" : "a double"}`;
      if (v < min || v > max) return `${v} is outside ${p.name}'s range [${min}, ${max}]`;
      if (p.scale === "log" && p.type === "int") return Number.isInteger(v) ? null : `${v} is not an integer`;
      const k = (v - min) / step;
      if (Math.abs(k - Math.round(k)) > ON_GRID * Math.max(1, Math.abs(k))) return `${v} is not on ${p.name}'s grid ${min} + k·${step}`;
      return null;
    }
  }
}

/** The cycle through `start` following `when.parameter` links, if any (names in order, `start` repeated at the end). */
function cycleFrom(start: string, byName: ReadonlyMap<string, ConditionalParameter>): string[] | null {
  const path = [start];
  let cur = byName.get(start)?.when?.parameter;
  while (cur !== undefined && path.length <= byName.size) {
    path.push(cur);
    if (cur === start) return path;
    if (path.indexOf(cur) !== path.length - 1) return null; // a cycle further up, reported from its own members
    cur = byName.get(cur)?.when?.parameter;
  }
  return null;
}

/**
 * Adds an issue (with its path inside the list) for every condition that cannot work: an unknown
 * parent, a parameter naming itself, a cycle (once, at its first member, naming the whole cycle),
 * duplicate `in` values, and `in` values the parent can never take.
 */
export function checkConditions(ps: readonly ConditionalParameter[], ctx: z.RefinementCtx): void {
  const byName = new Map(ps.map((p) => [p.name, p]));
  const reported = new Set<string>();
  ps.forEach((p, i) => {
    const when = p.when;
    if (when === undefined) return;
    const parent = byName.get(when.parameter);
    if (when.parameter === p.name) {
      ctx.addIssue({ code: "custom", path: [i, "when", "parameter"], message: `${p.name} cannot depend on itself; name another parameter or drop when` });
      return;
    }
    if (!parent) {
      const known = ps.map((q) => q.name).filter((n) => n !== p.name);
      ctx.addIssue({ code: "custom", path: [i, "when", "parameter"], message: `unknown parameter "${when.parameter}"; declared parameters: ${known.join(", ")}` });
      return;
    }
    const cycle = cycleFrom(p.name, byName);
    if (cycle && !reported.has(p.name)) {
      cycle.forEach((n) => reported.add(n));
      ctx.addIssue({ code: "custom", path: [i, "when", "parameter"], message: `conditions form a cycle ${cycle.join(" → ")}; no parameter of it could ever be active, so break the cycle` });
    }
    const seen = new Set<Value>();
    when.in.forEach((v, k) => {
      if (seen.has(v)) ctx.addIssue({ code: "custom", path: [i, "when", "in", k], message: `duplicate value ${JSON.stringify(v)}` });
      seen.add(v);
      const why = impossible(parent, v);
      if (why) ctx.addIssue({ code: "custom", path: [i, "when", "in", k], message: `${p.name} could never be active for this value: ${why}` });
    });
  });
}

/** Whether any parameter of the list is conditional. */
export function isConditional(ps: readonly ConditionalParameter[]): boolean {
  return ps.some((p) => p.when !== undefined);
}

/**
 * Names of the parameters active at a point: a parameter without `when` is always active; one with
 * `when` is active when its parent is active and the point's value of the parent is listed in `in`.
 * Assumes a list that passed `checkConditions` (no cycles, known parents).
 */
export function activeNames(ps: readonly ConditionalParameter[], point: Readonly<Record<string, Value>>): Set<string> {
  const byName = new Map(ps.map((p) => [p.name, p]));
  const memo = new Map<string, boolean>();
  const isActive = (name: string, depth: number): boolean => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const when = byName.get(name)?.when;
    let active = true;
    if (when !== undefined) {
      const v = point[when.parameter];
      active = depth < byName.size && v !== undefined && when.in.includes(v) && isActive(when.parameter, depth + 1);
    }
    memo.set(name, active);
    return active;
  };
  return new Set(ps.filter((p) => isActive(p.name, 0)).map((p) => p.name));
}

/** The point restricted to its active parameters (inactive and undeclared names dropped). */
export function prune<V extends Value>(ps: readonly ConditionalParameter[], point: Readonly<Record<string, V>>): Record<string, V> {
  const active = activeNames(ps, point);
  const out: Record<string, V> = {};
  for (const p of ps) {
    const v = point[p.name];
    if (active.has(p.name) && v !== undefined) out[p.name] = v;
  }
  return out;
}
