#!/usr/bin/env node
// kubetune-trainer: the reference trial workload. Reads hyperparameters, trains, reports, exits.
import { defaultCandidates, selectBackend } from "./backend.ts";
import { loadDataset } from "./data/load.ts";
import { parseParams, PARAM_NAMES } from "./params.ts";
import { connectReporter } from "./sdk/index.ts";
import { train } from "./train.ts";

/** Exit codes: documented in docs/metrics-protocol.md. */
const EXIT = { ok: 0, failed: 1, badInput: 2, diverged: 3 } as const;

const USAGE = `usage: kubetune-trainer [--name=value ...]
Hyperparameters come from KUBETUNE_PARAMS (JSON object) and --name=value flags (flags win).
Parameters: ${PARAM_NAMES.join(", ")}
Example: kubetune-trainer --dataset=iris --model=mlp --epochs=20 --learningRate=0.01 --batchSize=32
Reports go to NATS (KUBETUNE_NATS_URL), to stdout lines (KUBETUNE_REPORT=stdio) or to stderr.`;

const log = (line: string) => process.stderr.write(`kubetune-trainer: ${line}\n`);

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  let params;
  let dataset;
  try {
    params = parseParams(process.env.KUBETUNE_PARAMS, argv);
    dataset = loadDataset(params);
  } catch (e) {
    log(`${(e as Error).message}\n${USAGE}`);
    return EXIT.badInput;
  }
  const reporter = await connectReporter();
  // Registered before the slow setup so an early SIGTERM is a graceful stop too.
  reporter.onStop((reason) => log(`stop requested (${reason}); abandoning the current epoch`));
  try {
    const backend = await selectBackend(defaultCandidates(), params.backend ?? parseBackendEnv());
    const skipped = backend.skipped.map((s) => `${s.name}: ${s.reason}`).join("; ");
    log(`backend ${backend.name}${skipped ? ` (skipped ${skipped})` : ""}`);
    log(`dataset ${dataset.name}: ${dataset.n} rows, ${dataset.features} features, ${dataset.task === "classification" ? `${dataset.classes.length} classes` : "regression"}`);
    const result = await train(backend.tf, params, dataset, reporter, backend.name);
    const summary = Object.entries(result.metrics)
      .filter(([k]) => k.startsWith("val_"))
      .map(([k, v]) => `${k}=${v.toFixed(4)}`)
      .join(" ");
    if (result.diverged) {
      log(`training diverged after ${result.epochsCompleted} epochs (loss is not a finite number); try a lower learningRate`);
      return EXIT.diverged;
    }
    log(`${result.stopReason ? `stopped (${result.stopReason})` : "done"} after ${result.epochsCompleted} epochs ${summary}`);
    return EXIT.ok;
  } finally {
    await reporter.close();
  }
}

function parseBackendEnv(): ReturnType<typeof parseParams>["backend"] {
  const v = process.env.KUBETUNE_BACKEND;
  if (v === undefined || v === "") return undefined;
  return parseParams(JSON.stringify({ backend: v }), []).backend;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(EXIT.failed);
  },
);
