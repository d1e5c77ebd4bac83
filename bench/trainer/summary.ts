import type { BackendName } from "../../trainer/src/params.ts";

/** What one backend's run produced: per-epoch metrics, or why it could not run. */
export type BackendRun = { backend: BackendName; error: string } | { backend: BackendName; epochs: Record<string, number>[]; final: Record<string, number> };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Median samples/s over epochs after the first (which pays for kernel compilation and warm-up). */
export function throughput(epochs: Record<string, number>[]): number {
  const steady = epochs.length > 1 ? epochs.slice(1) : epochs;
  return median(steady.map((e) => e.samples_per_second ?? Number.NaN));
}

/** A Markdown table of the runs plus the wasm-vs-cpu verdict (wasm must be ≥ 3× the pure-JS backend). */
export function summarize(runs: BackendRun[]): { table: string; verdict: string; ok: boolean } {
  const rows = runs.map((r) => {
    if ("error" in r) return `| ${r.backend} | — | — | — | not available: ${r.error} |`;
    const sps = throughput(r.epochs);
    const epochTime = median(r.epochs.slice(1).map((e) => e.epoch_time_seconds ?? Number.NaN));
    return `| ${r.backend} | ${sps.toFixed(0)} | ${epochTime.toFixed(2)} | ${(r.final.val_accuracy ?? Number.NaN).toFixed(3)} | |`;
  });
  const table = ["| backend | samples/s | s/epoch | val_accuracy | note |", "|---|---:|---:|---:|---|", ...rows].join("\n");
  const get = (b: BackendName) => runs.find((r) => r.backend === b && !("error" in r));
  const wasm = get("wasm");
  const cpu = get("cpu");
  if (!wasm || !cpu || "error" in wasm || "error" in cpu) return { table, verdict: "wasm/cpu: cannot compare (one of them did not run)", ok: false };
  const ratio = throughput(wasm.epochs) / throughput(cpu.epochs);
  const ok = ratio >= 3;
  return { table, verdict: `wasm/cpu throughput ratio: ${ratio.toFixed(1)}× (target ≥ 3×) — ${ok ? "PASS" : "FAIL"}`, ok };
}
