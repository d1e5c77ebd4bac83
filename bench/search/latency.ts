/** Latency of ask(1) at a given number of observations (6-dimensional Hartmann6 history). */
import { performance } from "node:perf_hooks";
import { createOptimizer, type HistoryEntry } from "../../controller/src/engine/search/index.ts";
import { createRng } from "../../controller/src/engine/search/rng.ts";
import type { AlgorithmName } from "../../controller/src/engine/search/types.ts";
import { PROBLEMS } from "./functions.ts";
import { median } from "./study.ts";

/** Median ask(1) times in ms, wall clock and process CPU time (the honest figure on a shared machine). */
export interface AskLatency {
  cold: number;
  warm: number;
  coldCpu: number;
  warmCpu: number;
  /** Longest stretch (wall ms) during any ask in which the event loop could not run: the worst stall a controller would see. */
  maxStall: number;
}

/** Process CPU time in ms (user + system, all threads). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Runs fn while a setImmediate chain measures the longest gap between event-loop turns. */
async function withStallMeter<T>(fn: () => Promise<T>): Promise<{ result: T; stall: number }> {
  let last = performance.now();
  let stall = 0;
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const result = await fn();
  running = false;
  stall = Math.max(stall, performance.now() - last);
  return { result, stall };
}

/** Median ask(1) times: "cold" = first ask of an optimizer rebuilt from n random observations (after a restart); "warm" = the asks that follow in a running job (each told before the next). */
export async function askLatency(algorithm: AlgorithmName, n: number, repeats: number): Promise<AskLatency> {
  const problem = PROBLEMS.find((p) => p.name === "hartmann6");
  if (!problem) throw new Error("hartmann6 is missing from the problem list");
  const wall = { cold: [] as number[], warm: [] as number[] };
  const cpu = { cold: [] as number[], warm: [] as number[] };
  let maxStall = 0;
  for (let r = 0; r < repeats; r++) {
    const rng = createRng(r, n);
    const history: HistoryEntry[] = Array.from({ length: n }, () => {
      const params = Object.fromEntries(problem.parameters.map((p) => [p.name, rng.next()]));
      return { params, value: problem.evaluate(params) };
    });
    const opt = createOptimizer(
      { parameters: problem.parameters, objective: { metric: "f", direction: "minimize" }, algorithm: { name: algorithm, settings: {} }, seed: r },
      history,
    );
    for (let k = 0; k < 4; k++) {
      const c0 = cpuMs();
      const t0 = performance.now();
      const { result: [s], stall } = await withStallMeter(() => opt.ask(1));
      const kind = k === 0 ? "cold" : "warm";
      wall[kind].push(performance.now() - t0);
      cpu[kind].push(cpuMs() - c0);
      maxStall = Math.max(maxStall, stall);
      if (s) opt.tell({ id: s.id, value: problem.evaluate(s.params) });
    }
  }
  return { cold: median(wall.cold), warm: median(wall.warm), coldCpu: median(cpu.cold), warmCpu: median(cpu.warm), maxStall };
}
