/**
 * Tree-structured Parzen estimator (Bergstra et al. 2011), built as Optuna 5's TPESampler with
 * `multivariate=True, group=True, constant_liar=True`, plus two changes that lowered regret in
 * bench:search (docs/algorithms.md): γ = 0.15 and good observations weighted by rank. Finite
 * observations are split into a "good" group (the best ⌈γ·n⌉, at most maxGood; `splitObservations`)
 * and the rest, plus pending trials as liars; for each group of parameters that are active together,
 * a Parzen estimator of each split is built from the observations where that group is active, and the
 * group's values are the candidate drawn from the good density that maximizes log l(x) − log g(x).
 * Inactive parameters therefore never shape a density, and a branch's parameters are learned only
 * from the trials that used them.
 */
import type { Parameter, Params } from "../../api/parameters.ts";
import type { TpeSettings } from "../../api/search-settings.ts";
import { createRng } from "./rng.ts";
import { createSobol } from "./sobol.ts";
import { NEUTRAL, type Space } from "./space.ts";
import { buildParzen, logDensity, sampleInto } from "./tpe-parzen.ts";
import { splitObservations } from "./tpe-split.ts";
import type { Algorithm, Observation } from "./types.ts";

const TPE_STREAM = 0x7be5;

/** The chain of conditions under which a parameter is active ("" when it always is). */
function conditionOf(p: Parameter, byName: ReadonlyMap<string, Parameter>, depth = 0): string {
  if (!p.when) return "";
  const parent = byName.get(p.when.parameter);
  const own = `${p.when.parameter}∈${JSON.stringify([...p.when.in].map(String).sort())}`;
  return parent && depth < byName.size ? `${own}/${conditionOf(parent, byName, depth + 1)}` : own;
}

/**
 * Groups of dimensions modelled jointly: with `multivariate`, the parameters that are active under the
 * same conditions (Optuna's group decomposition, known here from the declared conditions); otherwise
 * each parameter alone.
 */
export function tpeGroups(space: Space, multivariate: boolean): number[][] {
  if (!multivariate) return space.parameters.map((_, i) => [i]);
  const byName = new Map(space.parameters.map((p) => [p.name, p]));
  const groups = new Map<string, number[]>();
  space.parameters.forEach((p, i) => {
    const key = conditionOf(p, byName);
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  return [...groups.values()];
}

/**
 * Weights of the good observations by rank: (m − r)/m for the r-th best of m (ties share the better
 * rank), so the candidates are drawn mostly around the very best points; undefined (default weights)
 * when some value is missing, e.g. for observations ranked by something other than one value.
 */
export function rankWeights(values: readonly (number | null)[]): number[] | undefined {
  if (values.some((v) => v === null || !Number.isFinite(v))) return undefined;
  const m = values.length;
  const sorted = [...(values as number[])].sort((a, b) => a - b);
  return (values as number[]).map((v) => (m - sorted.indexOf(v)) / m);
}

/** The value a good observation is ranked by, or null when one value does not rank it (several objectives, or infeasible). */
function byValue(o: Observation): number | null {
  return o.values !== undefined || (o.violation ?? 0) > 0 ? null : o.value;
}

/**
 * Creates the TPE algorithm for a job with `objectives` objectives; suggestions of one batch see the
 * earlier ones as pending. Unless set, `multivariate` holds for one objective only: with several, the
 * MOTPE split's good group spreads along the front, and independent densities cover it better
 * (bench:search --multi, docs/benchmarks.md), as in Optuna's default multi-objective TPE.
 */
export function createTpe(space: Space, settings: TpeSettings, seed: number, objectives = 1): Algorithm {
  const sobol = createSobol(space.dimensions.length, seed, true);
  const groups = tpeGroups(space, settings.multivariate ?? objectives === 1);
  const names = space.parameters.map((p) => p.name);
  const gamma = (n: number): number => Math.min(Math.ceil(settings.gamma * n), settings.maxGood);
  const options = { priorWeight: settings.priorWeight };
  /** Whether a point uses the group (its members share their conditions, so the first one decides). */
  const uses = (group: readonly number[], params: Params): boolean => params[names[group[0] as number] as string] !== undefined;
  return {
    suggest: ({ n, observations, pending, index }): Params[] => {
      const out: Params[] = [];
      const completed = observations.filter((o) => o.value !== null && Number.isFinite(o.value)).length;
      const { below, above } = splitObservations(observations, gamma);
      const units = observations.map((o) => space.toUnit(o.params));
      for (let k = 0; k < n; k++) {
        if (completed < settings.startupTrials || below.length === 0) {
          out.push(space.fromUnit(sobol.point(index + k)));
          continue;
        }
        const liars = settings.constantLiar ? [...pending, ...out] : [];
        const rng = createRng(seed, TPE_STREAM, index + k);
        const x = new Array<number>(space.dimensions.length).fill(NEUTRAL);
        for (const group of groups) {
          const from = (ids: readonly number[]): number[][] => ids.filter((i) => uses(group, (observations[i] as Observation).params)).map((i) => units[i] as number[]);
          const goodIds = below.filter((i) => uses(group, (observations[i] as Observation).params));
          const good = buildParzen(space, group, goodIds.map((i) => units[i] as number[]), options, rankWeights(goodIds.map((i) => byValue(observations[i] as Observation))));
          const bad = buildParzen(space, group, [...from(above), ...liars.filter((p) => uses(group, p)).map((p) => space.toUnit(p))], options);
          let best: number[] | null = null;
          let bestScore = -Infinity;
          for (let c = 0; c < settings.candidates; c++) {
            const candidate = [...x];
            sampleInto(space, good, rng, candidate);
            const score = logDensity(space, good, candidate) - logDensity(space, bad, candidate);
            if (best === null || score > bestScore) {
              best = candidate;
              bestScore = score;
            }
          }
          for (const j of group) x[j] = (best as number[])[j] as number;
        }
        out.push(space.fromUnit(x));
      }
      return out;
    },
  };
}
