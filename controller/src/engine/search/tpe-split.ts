/**
 * TPE's split of the observations into a "below" (good) and an "above" (bad) group. Single objective:
 * the ⌈gamma(n)⌉ lowest values of the n finite observations are below; failed trials are in neither.
 */
import type { Observation } from "./types.ts";

/** Indices into `observations` of the good (`below`) and bad (`above`) groups, each in told order. */
export function splitObservations(observations: readonly Observation[], gamma: (n: number) => number): { below: number[]; above: number[] } {
  const valid: number[] = [];
  observations.forEach((o, i) => {
    if (o.value !== null && Number.isFinite(o.value)) valid.push(i);
  });
  const value = (i: number): number => (observations[i] as Observation).value as number;
  const ranked = [...valid].sort((a, b) => value(a) - value(b) || a - b);
  const nBelow = Math.max(0, Math.min(Math.floor(gamma(valid.length)), valid.length));
  const byOrder = (a: number, b: number): number => a - b;
  return { below: ranked.slice(0, nBelow).sort(byOrder), above: ranked.slice(nBelow).sort(byOrder) };
}
