import type { Parameter, Params, ParamValue } from "../../api/parameters.ts";

/** Which parameters of a point are active (conditional parameters, `when`), and the point without the inactive ones. */
export { activeNames, isConditional, prune } from "../../api/conditions.ts";

/**
 * How one parameter looks in the unit cube:
 * - "continuous": any value in [0, 1] (double without step, log-aware);
 * - "ordinal": `levels` evenly spaced points ((i + 0.5) / levels), ordered (int, stepped double, discrete);
 * - "categorical": `levels` unordered categories, bucket i = [i / levels, (i + 1) / levels).
 */
export type DimensionKind = "continuous" | "ordinal" | "categorical";

/** One coordinate of the unit cube. */
export interface Dimension {
  name: string;
  kind: DimensionKind;
  /** Number of distinct values; Infinity for a continuous double (a log-scaled int is continuous but finite). */
  levels: number;
}

/** A search space: the bijection between parameter values and points of [0, 1]^d. */
export interface Space {
  readonly parameters: readonly Parameter[];
  readonly dimensions: readonly Dimension[];
  /** Maps a point of [0, 1]^d (clamped) to valid, rounded parameter values. */
  fromUnit(u: readonly number[]): Params;
  /** Maps parameter values to the canonical point of [0, 1]^d that represents them. */
  toUnit(params: Params): number[];
  /** Level index of a value (ordinal/categorical), or -1 for continuous dimensions. */
  levelOf(dim: number, u: number): number;
  /** A canonical string identity of a point, for de-duplication. */
  key(params: Params): string;
  /** Total number of distinct points; Infinity if any dimension is continuous. */
  readonly size: number;
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : Number.isNaN(x) ? 0.5 : x);

/** Number of grid values of an int/double range with a step (or the int's natural step 1). */
function rangeLevels(p: Parameter & { type: "double" | "int" }): number {
  const step = p.step ?? (p.type === "int" ? 1 : undefined);
  if (step === undefined) return Infinity;
  if (p.scale === "log" && p.type === "int" && p.step === undefined) return p.max - p.min + 1;
  return Math.floor((p.max - p.min) / step + 1e-9) + 1;
}

/** Rounds to a readable precision so 0.1 + 0.2 style noise never leaks into trial parameters. */
function tidy(x: number): number {
  return Number.parseFloat(x.toPrecision(12));
}

function dimensionOf(p: Parameter): Dimension {
  switch (p.type) {
    case "categorical":
      return { name: p.name, kind: "categorical", levels: p.values.length };
    case "discrete":
      return { name: p.name, kind: "ordinal", levels: p.values.length };
    case "int":
    case "double": {
      const levels = rangeLevels(p);
      // A log-scaled int stays continuous in log space and is rounded afterwards, so small values get resolution.
      if (p.scale === "log") return { name: p.name, kind: "continuous", levels: p.type === "int" ? levels : Infinity };
      return { name: p.name, kind: Number.isFinite(levels) ? "ordinal" : "continuous", levels };
    }
  }
}

function valueFromUnit(p: Parameter, d: Dimension, u: number): ParamValue {
  const x = clamp01(u);
  const idx = Math.min(d.levels - 1, Math.floor(x * d.levels));
  switch (p.type) {
    case "categorical":
      return p.values[idx] as string;
    case "discrete":
      return sortedNumbers(p.values)[idx] as number;
    case "int":
    case "double": {
      if (p.scale === "log") {
        const v = Math.exp(Math.log(p.min) + x * (Math.log(p.max) - Math.log(p.min)));
        return p.type === "int" ? Math.min(p.max, Math.max(p.min, Math.round(v))) : tidy(Math.min(p.max, Math.max(p.min, v)));
      }
      if (d.kind === "continuous") return tidy(p.min + x * (p.max - p.min));
      const step = p.step ?? 1;
      const v = p.min + idx * step;
      return p.type === "int" ? Math.round(v) : tidy(v);
    }
  }
}

function unitFromValue(p: Parameter, d: Dimension, v: ParamValue): number {
  switch (p.type) {
    case "categorical": {
      const i = p.values.indexOf(String(v));
      if (i < 0) throw new Error(`parameter ${p.name}: ${JSON.stringify(v)} is not one of ${JSON.stringify(p.values)}`);
      return (i + 0.5) / d.levels;
    }
    case "discrete": {
      const i = sortedNumbers(p.values).indexOf(Number(v));
      if (i < 0) throw new Error(`parameter ${p.name}: ${JSON.stringify(v)} is not one of ${JSON.stringify(p.values)}`);
      return (i + 0.5) / d.levels;
    }
    case "int":
    case "double": {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`parameter ${p.name}: ${JSON.stringify(v)} is not a number`);
      if (p.scale === "log") return clamp01((Math.log(n) - Math.log(p.min)) / (Math.log(p.max) - Math.log(p.min)));
      if (d.kind === "continuous") return clamp01((n - p.min) / (p.max - p.min));
      const idx = Math.min(d.levels - 1, Math.max(0, Math.round((n - p.min) / (p.step ?? 1))));
      return (idx + 0.5) / d.levels;
    }
  }
}

const sortedCache = new WeakMap<readonly number[], number[]>();
/** Discrete values in ascending order, so their unit coordinate is meaningful as an ordering. */
function sortedNumbers(values: readonly number[]): number[] {
  let s = sortedCache.get(values);
  if (!s) {
    s = [...values].sort((a, b) => a - b);
    sortedCache.set(values, s);
  }
  return s;
}

/** Builds the unit-cube view of a list of (zod-parsed) parameters. */
export function createSpace(parameters: readonly Parameter[]): Space {
  const dimensions = parameters.map(dimensionOf);
  const size = dimensions.reduce((acc, d) => acc * d.levels, 1);
  const fromUnit = (u: readonly number[]): Params => {
    const out: Params = {};
    parameters.forEach((p, i) => {
      out[p.name] = valueFromUnit(p, dimensions[i] as Dimension, u[i] ?? 0.5);
    });
    return out;
  };
  const toUnit = (params: Params): number[] =>
    parameters.map((p, i) => {
      const v = params[p.name];
      if (v === undefined) throw new Error(`parameter ${p.name} is missing from ${JSON.stringify(params)}`);
      return unitFromValue(p, dimensions[i] as Dimension, v);
    });
  return {
    parameters,
    dimensions,
    size,
    fromUnit,
    toUnit,
    levelOf: (dim, u) => {
      const d = dimensions[dim];
      if (!d || d.kind === "continuous") return -1;
      return Math.min(d.levels - 1, Math.floor(clamp01(u) * d.levels));
    },
    key: (params) => JSON.stringify(parameters.map((p) => params[p.name])),
  };
}
