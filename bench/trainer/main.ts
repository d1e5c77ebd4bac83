// npm run bench:trainer — trains the MNIST MLP on every backend available here and compares throughput.
// npm run bench:trainer -- --accuracy — one full MNIST run with the trainer's defaults on wasm (≥ 94 % expected).
// Each backend runs the real trainer in its own process (a clean TensorFlow.js) and reports over stdio.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseReportLine } from "../../controller/src/api/metrics.ts";
import { BACKENDS } from "../../trainer/src/params.ts";
import type { BackendName } from "../../trainer/src/params.ts";
import { summarize } from "./summary.ts";
import type { BackendRun } from "./summary.ts";

const MAIN = fileURLToPath(new URL("../../trainer/src/main.ts", import.meta.url));
// A fixed MNIST workload: 3,000 digits (2,400 training), 3 epochs of the default MNIST MLP.
const WORKLOAD = ["--dataset=mnist", "--samples=3000", "--epochs=3", "--seed=1"];

function runBackend(backend: BackendName, workload: string[] = WORKLOAD): Promise<BackendRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...workload, `--backend=${backend}`], {
      env: { ...process.env, KUBETUNE_REPORT: "stdio", KUBETUNE_NATS_URL: "", KUBETUNE_PARAMS: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => {
      const reports = out
        .split("\n")
        .map(parseReportLine)
        .flatMap((r) => (r.ok ? [r.message] : []));
      if (code !== 0) return resolve({ backend, error: (/backend=\S+ is not available \(([^)]*)\)/.exec(err)?.[1] ?? err.trim().split("\n").at(-1)) || `exit ${code}` });
      resolve({ backend, epochs: reports.filter((m) => m.step > 0 && !m.final).map((m) => m.metrics), final: reports.find((m) => m.final)?.metrics ?? {} });
    });
  });
}

if (process.argv.includes("--accuracy")) {
  const started = performance.now();
  const run = await runBackend("wasm", ["--dataset=mnist"]);
  const minutes = (performance.now() - started) / 60_000;
  const acc = "error" in run ? Number.NaN : (run.final.val_accuracy ?? Number.NaN);
  process.stdout.write(`MNIST defaults on wasm: val_accuracy ${acc.toFixed(4)} after ${"error" in run ? 0 : run.epochs.length} epochs in ${minutes.toFixed(1)} min — ${acc >= 0.94 ? "PASS" : "FAIL"} (≥ 0.94)\n`);
  process.exit(acc >= 0.94 ? 0 : 1);
}

const runs: BackendRun[] = [];
for (const b of BACKENDS) {
  process.stderr.write(`bench:trainer: ${b}…\n`);
  runs.push(await runBackend(b));
}
const { table, verdict, ok } = summarize(runs);
process.stdout.write(`MNIST MLP (${WORKLOAD.join(" ")}; 256 units, dropout 0.3, batch 128, adam), node ${process.version}\n\n${table}\n\n${verdict}\n`);
process.exitCode = ok ? 0 : 1;
