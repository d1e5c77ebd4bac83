import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadResults, type Results } from "../local/results.ts";
import { reportHtml } from "../local/report-html.ts";
import { writeRunFiles } from "../local/run-files.ts";
import type { Io } from "./validate-command.ts";

const USAGE = `usage: kubetune report <run-dir|results.json> [--out report.html]
       kubetune report tj/NAME [-n NAMESPACE] [--out DIR] [--kubeconfig FILE] [--context NAME]`;

/** `tj/NAME`, `tuningjob/NAME`, `tuningjobs.kubetune.io/NAME`: a job in the cluster rather than a run directory. */
const CLUSTER_TARGET = /^(?:tj|tuningjob|tuningjobs|tuningjobs\.kubetune\.io)\/(.+)$/;
/** A Kubernetes object name (DNS subdomain), checked before it goes into a URL. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * `kubetune report`: regenerates report.html from a run directory, or writes results.json, trials.csv
 * and report.html of a TuningJob in the cluster (the files a local run writes, by the same code).
 */
export async function reportCommand(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: "string", short: "o" }, namespace: { type: "string", short: "n" }, kubeconfig: { type: "string" }, context: { type: "string" } },
    });
  } catch (e) {
    io.err(`kubetune report: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const target = parsed.positionals[0];
  if (target === undefined || parsed.positionals.length > 1) {
    io.err(`kubetune report: name one run directory, results.json or tj/NAME\n${USAGE}`);
    return 2;
  }
  const cluster = CLUSTER_TARGET.exec(target);
  if (cluster) return clusterReport(cluster[1] as string, parsed.values, io);
  for (const flag of ["namespace", "kubeconfig", "context"] as const) {
    if (parsed.values[flag] !== undefined) {
      io.err(`kubetune report: --${flag} applies to a cluster job (tj/NAME), not to a run directory\n${USAGE}`);
      return 2;
    }
  }
  const dir = target.endsWith(".json") ? dirname(target) : target;
  let results: Results;
  try {
    results = loadResults(dir);
  } catch (e) {
    io.err(`${io.style.red("✗")} ${(e as Error).message.replace("cannot resume: ", "")}`);
    return 1;
  }
  const out = parsed.values.out ?? join(dir, "report.html");
  writeFileSync(out, reportHtml(results));
  io.out(out);
  return 0;
}

/** Reads TuningJob `name` from the cluster and writes its run files into --out (default kubetune-reports/NAMESPACE/NAME). */
async function clusterReport(name: string, flags: { out?: string; namespace?: string; kubeconfig?: string; context?: string }, io: Io): Promise<number> {
  if (!NAME.test(name)) {
    io.err(`kubetune report: "${name}" is not a TuningJob name (lowercase letters, digits, '-' and '.')\n${USAGE}`);
    return 2;
  }
  // Loaded on demand: a report of a run directory never loads the Kubernetes client.
  const { loadKubeConfig } = await import("../observe/kubeconfig-load.ts");
  const { readClusterJob } = await import("../observe/read-cluster-job.ts");
  const config = loadKubeConfig({ ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context !== undefined ? { context: flags.context } : {}) });
  if (!config.ok) {
    io.err(`${io.style.red("✗")} ${config.detail}`);
    return 1;
  }
  const namespace = flags.namespace ?? config.namespace;
  const read = await readClusterJob(config.kc, namespace, name);
  if (!read.ok) {
    io.err(`${io.style.red("✗")} ${read.detail}`);
    return 1;
  }
  for (const s of read.skipped) io.err(`${io.style.yellow("!")} skipped: ${s}`);
  const dir = resolve(flags.out ?? join("kubetune-reports", namespace, name));
  for (const file of writeRunFiles(dir, read.results)) io.out(file);
  return 0;
}
