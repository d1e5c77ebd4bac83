/**
 * The ask/tell optimizer: owns suggestion ids, the pending set, orientation, bad values, failures,
 * de-duplication and rebuild-from-history; the algorithms themselves are stateless.
 */
import { z } from "zod";
import { Parameters, type Params } from "../../api/parameters.ts";
import { createAlgorithm } from "./algorithms.ts";
import { activePoints } from "./conditional.ts";
import { gridValues } from "./grid.ts";
import { uniformPoint } from "./random.ts";
import { createRng } from "./rng.ts";
import { createSpace, type Space } from "./space.ts";
import { ALGORITHM_NAMES, type Algorithm, type Observation } from "./types.ts";

/** Configuration of an optimizer: the TuningJob's parameters, objective, algorithm and seed. */
export const OptimizerConfig = z
  .object({
    parameters: Parameters,
    objective: z
      .object({
        metric: z.string().min(1, { error: "must name the metric to optimize" }),
        direction: z.enum(["minimize", "maximize"], { error: 'must be "minimize" or "maximize"' }),
      })
      .loose(),
    algorithm: z.object({
      name: z.enum(ALGORITHM_NAMES, { error: `must be one of ${ALGORITHM_NAMES.map((n) => `"${n}"`).join(", ")}` }),
      settings: z.unknown().optional(),
    }),
    seed: z.number().int({ error: "must be a non-negative integer" }).min(0, { error: "must be a non-negative integer" }).default(0),
  });
export type OptimizerConfig = z.input<typeof OptimizerConfig>;

const anyNumber = z.custom<number>((v) => typeof v === "number", { error: "must be a number" });
const paramsSchema = z.record(z.string(), z.union([z.number(), z.string()]));

/** One past suggestion, for rebuilding: told (value), failed, or still pending (then its id is required). */
export const HistoryEntry = z
  .object({
    id: z.string().min(1, { error: "must not be empty" }).optional(),
    params: paramsSchema,
    /** The raw objective value as reported (NaN/±∞ allowed: they count as the worst value seen). */
    value: anyNumber.optional(),
    failed: z.literal(true).optional(),
    pending: z.literal(true).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const kinds = [e.value !== undefined, e.failed === true, e.pending === true].filter(Boolean).length;
    if (kinds !== 1) ctx.addIssue({ code: "custom", message: "needs exactly one of value, failed: true, or pending: true" });
    if (e.pending && e.id === undefined) ctx.addIssue({ code: "custom", path: ["id"], message: "is required for a pending entry, so it can be told later" });
  });
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** Options for rebuilding: how many suggestions were ever made (default: the history's length). */
export const RebuildOptions = z
  .object({ suggestionsMade: z.number().int().min(0, { error: "must be a non-negative integer" }).optional() })
  .strict();
export type RebuildOptions = z.infer<typeof RebuildOptions>;

/** A point to evaluate, with the id to tell its result under. */
export interface Suggestion {
  id: string;
  params: Params;
}

/** A trial's outcome: its objective value, or a failure. */
export const TellInput = z.union([
  z.object({ id: z.string(), value: anyNumber }).strict(),
  z.object({ id: z.string(), failed: z.literal(true) }).strict(),
], { error: "tell takes { id, value: number } or { id, failed: true }" });
export type TellInput = z.infer<typeof TellInput>;

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
  /** The best finite value told so far, or null. */
  best(): Best | null;
}

interface Told {
  id: string;
  params: Params;
  /** Raw value as told, or null for a failure. */
  raw: number | null;
}

const DEDUP_STREAM = 0xdd0b;
const DEDUP_RANDOM_TRIES = 64;
/** Finite spaces up to this size are enumerated to find a free point when random draws keep colliding. */
const ENUMERATE_LIMIT = 1_000_000;

/** Formats zod issues with their path, e.g. `parameters.0.max: must be greater than min (1)`. */
function describe(prefix: string, error: z.ZodError): string {
  return `${prefix}: ${error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; ")}`;
}

/**
 * Oriented values for the algorithms (always minimized). Non-finite values (NaN, ±∞ — a diverged
 * trial) count as the worst finite value told so far, so the search learns to avoid that region;
 * while no finite value exists they count as failures.
 */
export function orientedObservations(told: readonly Told[], sign: 1 | -1): Observation[] {
  let worst = -Infinity;
  for (const t of told) if (t.raw !== null && Number.isFinite(t.raw)) worst = Math.max(worst, sign * t.raw);
  return told.map((t) => {
    if (t.raw === null) return { params: t.params, value: null };
    if (Number.isFinite(t.raw)) return { params: t.params, value: sign * t.raw };
    return { params: t.params, value: Number.isFinite(worst) ? worst : null };
  });
}

/** A free point for slot `index` when the algorithm proposed a taken one: random draws, then enumeration. */
function freePoint(space: Space, taken: ReadonlySet<string>, seed: number, index: number): Params | null {
  const d = space.dimensions.length;
  for (let t = 0; t < DEDUP_RANDOM_TRIES; t++) {
    const p = space.fromUnit(uniformPoint(d, seed, index * DEDUP_RANDOM_TRIES + t, DEDUP_STREAM));
    if (!taken.has(space.key(p))) return p;
  }
  if (!Number.isFinite(space.size) || space.size > ENUMERATE_LIMIT) return null;
  const all = activePoints(space.parameters, space.parameters.map((p, i) => gridValues(space, p, i)), ENUMERATE_LIMIT) ?? [];
  const free = all.filter((p) => !taken.has(space.key(p)));
  if (free.length === 0) return null;
  return space.fromUnit(space.toUnit(free[createRng(seed, DEDUP_STREAM, index).int(free.length)] as Params));
}

/**
 * Creates an optimizer. With `history` (told entries in completion order, plus pending ones with their
 * ids) it continues exactly as the optimizer that produced that history would have.
 */
export function createOptimizer(config: OptimizerConfig, history: readonly HistoryEntry[] = [], options: RebuildOptions = {}): Optimizer {
  const parsed = OptimizerConfig.safeParse(config);
  if (!parsed.success) throw new Error(describe("invalid optimizer config", parsed.error));
  const { parameters, objective, algorithm: algo, seed } = parsed.data;
  const space = createSpace(parameters);
  const algorithm: Algorithm = createAlgorithm(algo.name, algo.settings, space, seed);
  const sign: 1 | -1 = objective.direction === "maximize" ? -1 : 1;
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
    if (e.pending) pending.set(id, { id, params });
    else told.push({ id, params, raw: e.failed ? null : (e.value as number) });
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
    const observations = orientedObservations(told, sign);
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
      const s = pending.get(input.data.id);
      if (!s) {
        const done = told.some((t) => t.id === input.data.id);
        throw new Error(`tell: no pending suggestion with id "${input.data.id}" (${done ? "it was already told" : "it was never asked"})`);
      }
      pending.delete(s.id);
      told.push({ id: s.id, params: s.params, raw: "failed" in input.data ? null : input.data.value });
    },
    get suggestionsMade() {
      return suggestionsMade;
    },
    pending: () => [...pending.values()].map((s) => ({ id: s.id, params: { ...s.params } })),
    history: () => [
      ...told.map((t): HistoryEntry => (t.raw === null ? { id: t.id, params: { ...t.params }, failed: true } : { id: t.id, params: { ...t.params }, value: t.raw })),
      ...[...pending.values()].map((s): HistoryEntry => ({ id: s.id, params: { ...s.params }, pending: true })),
    ],
    best() {
      let best: Best | null = null;
      for (const t of told) {
        if (t.raw === null || !Number.isFinite(t.raw)) continue;
        if (best === null || sign * t.raw < sign * best.value) best = { id: t.id, params: { ...t.params }, value: t.raw };
      }
      return best;
    },
  };
}
