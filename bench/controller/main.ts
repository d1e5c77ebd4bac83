// `npm run bench:controller`: the controller's throughput and footprint on the test cluster, with
// trials on the process kubelet's builtin synthetic container. See docs/benchmarks.md.
//   --scenarios=1x1000,50x20,200x5   M jobs × K parallel trials each; `MxK/T` gives each job T trials (default K)
//   --steps=3 --interval-ms=100      reports per synthetic trial and the pause before each
//   --timeout=900                    seconds per scenario
//   --workers=N                      the controller's --workers (default: its own default)
//   --json=FILE                      also write the results as JSON
//   --profile=DIR                    write a V8 CPU profile of each controller to DIR
//   --trial-kind=job                 trials as batch/v1 Jobs (the Job controller makes their Pods) instead of bare Pods
//   --heap-mib=N                     run the controller with --max-old-space-size=N (default: Node's own sizing)
// Set KUBETUNE_CLUSTER_DIR to run on a private test cluster (started if it is not running).
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { runScenario, type ScenarioResult } from "./scenario.ts";
import { goalsTable, limitsTable, resultsTable, sizesTable, writesTable } from "./table.ts";

const Flags = z.strictObject({
  scenarios: z.string().regex(/^\d+x\d+(\/\d+)?(,\d+x\d+(\/\d+)?)*$/, "a comma-separated list of MxK or MxK/T").default("1x1000,50x20,200x5"),
  steps: z.coerce.number().int().min(1).default(3),
  "interval-ms": z.coerce.number().int().min(0).default(100),
  timeout: z.coerce.number().positive().default(900),
  workers: z.coerce.number().int().min(1).optional(),
  json: z.string().optional(),
  profile: z.string().optional(),
  "heap-mib": z.coerce.number().int().min(16).optional(),
  "trial-kind": z.enum(["pod", "job"], { error: "--trial-kind must be pod or job" }).default("pod"),
});

function parseFlags(argv: readonly string[]): z.infer<typeof Flags> {
  const raw: Record<string, string> = {};
  for (const a of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`bad argument ${JSON.stringify(a)}: flags are --name=value`);
    raw[m[1] as string] = m[2] as string;
  }
  const r = Flags.safeParse(raw);
  if (!r.success) throw new Error(z.prettifyError(r.error));
  return r.data;
}

async function main(): Promise<void> {
  const f = parseFlags(process.argv.slice(2));
  const logDir = mkdtempSync(join(tmpdir(), "bench-controller-"));
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  log(`controller logs in ${logDir}`);
  const results: ScenarioResult[] = [];
  for (const spec of f.scenarios.split(",")) {
    const [mk, t] = spec.split("/");
    const [m, k] = (mk ?? "").split("x").map(Number) as [number, number];
    const trials = t === undefined ? k : Number(t);
    results.push(await runScenario({
      label: spec,
      jobs: m,
      shape: { trials, parallel: Math.min(k, trials), steps: f.steps, intervalMs: f["interval-ms"], trialKind: f["trial-kind"] },
      timeoutMs: f.timeout * 1000,
      controllerArgs: f.workers === undefined ? [] : [`--workers=${f.workers}`],
      logDir,
      ...(f.profile === undefined ? {} : { profileDir: f.profile }),
      ...(f["heap-mib"] === undefined ? {} : { heapMiB: f["heap-mib"] }),
    }, log));
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "unknown CPU"}, Node ${process.version}`;
  const heap = f["heap-mib"] === undefined ? "Node's default heap sizing" : `controller heap capped at ${f["heap-mib"]} MiB`;
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${machine}; synthetic trials (${f["trial-kind"] === "job" ? "as batch/v1 Jobs" : "as Pods"}): ${f.steps} reports ${f["interval-ms"]} ms apart; ${heap}\n`);
  console.log(resultsTable(results));
  console.log(`\n${writesTable(results)}`);
  console.log(`\n${limitsTable(results)}`);
  console.log(`\n${sizesTable([10, 1000, 10_000, 100_000])}`);
  console.log(`\n${goalsTable(results)}`);
  if (f.json) writeFileSync(f.json, JSON.stringify({ machine, flags: f, results }, null, 2));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:controller: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
