/**
 * The ask/tell optimizer: owns suggestion ids, the pending set, orientation, bad values, failures,
 * constraints, de-duplication and rebuild-from-history; the algorithms themselves are stateless.
 */
import { z } from "zod";
import type { Params } from "../../api/parameters.ts";
import { createAlgorithm } from "./algorithms.ts";
import { freePoint } from "./dedup.ts";
import { checkOutcome, describe, HistoryEntry, OptimizerConfig, RebuildOptions, TellInput } from "./optimizer-input.ts";
import { observationsFor, paretoFrontOf, violationOf, type FrontMember, type Orientation, type Told } from "./orientation.ts";
import { createSpace } from "./space.ts";
import type { Algorithm } from "./types.ts";

export { HistoryEntry, OptimizerConfig, RebuildOptions, TellInput } from "./optimizer-input.ts";
export { orientedObservations } from "./orientation.ts";
export type { FrontMember } from "./orientation.ts";

/** A point to evaluate, with the id to tell its result under. */
export interface Suggestion {
  id: string;
  params: Params;
}

/** The best told trial, with its value in the user's direction. */
export interface Best {
  id: string;
  params: Params;
  value: number;
}

/** An ask/tell optimizer over one search space. */
export interface Optimizer {
  /** Up to n new suggestions, conditioned on all told and pending ones; fewer (or none) when the space is exhausted. */
  ask(n: number): Promise<Suggestion[]>;
  /** Records the outcome of a pending suggestion. */
  tell(result: TellInput): void;
  /** Suggestions handed out so far (including those recovered from history). */
  readonly suggestionsMade: number;
  /** Suggestions not told yet, in the order they were asked. */
  pending(): Suggestion[];
  /** Told entries in tell order, then pending ones: pass it to createOptimizer to continue identically. */
  history(): HistoryEntry[];
  /** The best finite feasible value told so far, or null (always null for a multi-objective job: see paretoFront). */
  best(): Best | null;
  /**
   * The feasible, non-dominated told results in told order, values in the users' directions (for a
   * single objective: the best, as a one-element front). With `limit`, cut by crowding distance.
   */
  paretoFront(limit?: number): FrontMember[];
}

/**
 * Creates an optimizer. With `history` (told entries in completion order, plus pending ones with their
 * ids) it continues exactly as the optimizer that produced that history would have.
 */
export function createOptimizer(config: OptimizerConfig, history: readonly HistoryEntry[] = [], options: RebuildOptions = {}): Optimizer {
  const parsed = OptimizerConfig.safeParse(config);
  if (!parsed.success) throw new Error(describe("invalid optimizer config", parsed.error));
  const { parameters, algorithm: algo, seed } = parsed.data;
  const objectives = parsed.data.objectives ?? [parsed.data.objective!];
  const job: Orientation = { signs: objectives.map((o) => (o.direction === "maximize" ? -1 : 1)), constraints: parsed.data.constraints ?? [] };
  const sign = job.signs[0]!;
  const space = createSpace(parameters);
  const algorithm: Algorithm = createAlgorithm(algo.name, algo.settings, space, seed, objectives.length);
  const canonical = (params: Params, where: string): Params => {
    try {
      return space.fromUnit(space.toUnit(params));
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}; it does not fit the declared parameters`);
    }
  };

  const told: Told[] = [];
  const pending = new Map<string, Suggestion>();
  const ids = new Set<string>();
  const entries = z.array(HistoryEntry).safeParse(history);
  if (!entries.success) throw new Error(describe("invalid optimizer history", entries.error));
  entries.data.forEach((e, i) => {
    const id = e.id ?? `h-${i}`;
    if (ids.has(id)) throw new Error(`optimizer history entry ${i}: duplicate id "${id}"; every suggestion needs its own id`);
    ids.add(id);
    const params = canonical(e.params, `optimizer history entry ${i}`);
    const problem = checkOutcome(e, objectives.length);
    if (problem) throw new Error(`optimizer history entry ${i}: ${problem}`);
    if (e.pending) pending.set(id, { id, params });
    else told.push(toldOf(id, params, e));
  });
  const rebuilt = RebuildOptions.safeParse(options);
  if (!rebuilt.success) throw new Error(describe("invalid rebuild options", rebuilt.error));
  let suggestionsMade = rebuilt.data.suggestionsMade ?? entries.data.length;
  let queue: Promise<unknown> = Promise.resolve();

  const newId = (index: number): string => {
    let id = `s-${index}`;
    for (let k = 1; ids.has(id); k++) id = `s-${index}.${k}`;
    ids.add(id);
    return id;
  };

  const askNow = async (n: number): Promise<Suggestion[]> => {
    const index = suggestionsMade;
    const observations = observationsFor(told, job);
    const pendingParams = [...pending.values()].map((s) => s.params);
    const taken = new Set<string>([...told.map((t) => space.key(t.params)), ...pendingParams.map((p) => space.key(p))]);
    const want = Math.min(n, Number.isFinite(space.size) ? Math.max(0, space.size - taken.size) : n);
    if (want === 0) return [];
    const proposed = await algorithm.suggest({ n: want, observations, pending: pendingParams, index, seed });
    const out: Suggestion[] = [];
    for (let k = 0; k < want; k++) {
      const raw = proposed[k];
      let params: Params | null = raw ? canonical(raw, `search algorithm "${algo.name}" suggestion ${index + k}`) : null;
      if (params === null || taken.has(space.key(params))) params = algo.name === "grid" ? null : freePoint(space, taken, seed, index + k);
      if (params === null) continue;
      taken.add(space.key(params));
      const suggestion = { id: newId(index + out.length), params };
      pending.set(suggestion.id, suggestion);
      out.push(suggestion);
    }
    suggestionsMade += out.length;
    return out.map((s) => ({ id: s.id, params: { ...s.params } }));
  };

  const best = (): Best | null => {
    let found: Best | null = null;
    for (const t of told) {
      if (job.signs.length > 1 || t.raw === null || !Number.isFinite(t.raw)) continue;
      if (job.constraints.length > 0 && violationOf(t.metrics, job.constraints) > 0) continue;
      if (found === null || sign * t.raw < sign * found.value) found = { id: t.id, params: { ...t.params }, value: t.raw };
    }
    return found;
  };

  return {
    ask(n) {
      if (!Number.isInteger(n) || n < 0) return Promise.reject(new Error(`ask(n): n must be a non-negative integer, got ${String(n)}`));
      // Asks run one after another so each sees the previous one's suggestions as pending.
      const run = queue.then(() => askNow(n));
      queue = run.catch(() => undefined);
      return run;
    },
    tell(result) {
      const input = TellInput.safeParse(result);
      if (!input.success) throw new Error(describe("tell", input.error));
      const problem = checkOutcome(input.data, objectives.length);
      if (problem) throw new Error(`tell: ${problem}`);
      const s = pending.get(input.data.id);
      if (!s) {
        const done = told.some((t) => t.id === input.data.id);
        throw new Error(`tell: no pending suggestion with id "${input.data.id}" (${done ? "it was already told" : "it was never asked"})`);
      }
      pending.delete(s.id);
      told.push(toldOf(s.id, s.params, input.data));
    },
    get suggestionsMade() {
      return suggestionsMade;
    },
    pending: () => [...pending.values()].map((s) => ({ id: s.id, params: { ...s.params } })),
    history: () => [
      ...told.map(historyOf),
      ...[...pending.values()].map((s): HistoryEntry => ({ id: s.id, params: { ...s.params }, pending: true })),
    ],
    best,
    paretoFront(limit) {
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new Error(`paretoFront(limit): limit must be a positive integer, got ${String(limit)}`);
      if (job.signs.length > 1) return paretoFrontOf(told, job, limit);
      const top = best();
      return top ? [{ id: top.id, params: top.params, values: [top.value] }] : [];
    },
  };
}

/** The stored form of a told result (params already canonical). */
function toldOf(id: string, params: Params, e: { value?: number; values?: readonly number[]; metrics?: Record<string, number>; failed?: true }): Told {
  if (e.failed) return { id, params, raw: null };
  const t: Told = e.values ? { id, params, raw: e.values[0]!, values: [...e.values] } : { id, params, raw: e.value as number };
  if (e.metrics) t.metrics = { ...e.metrics };
  return t;
}

/** The history entry that rebuilds a told result exactly. */
function historyOf(t: Told): HistoryEntry {
  const params = { ...t.params };
  if (t.raw === null) return { id: t.id, params, failed: true };
  const entry: HistoryEntry = t.values ? { id: t.id, params, values: [...t.values] } : { id: t.id, params, value: t.raw };
  if (t.metrics) entry.metrics = { ...t.metrics };
  return entry;
}
