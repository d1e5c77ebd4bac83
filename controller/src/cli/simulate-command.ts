import { judgedObjective } from "../api/job-objectives.ts";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { parseTuningJob } from "../api/validate.ts";
import { EarlyStoppingSpec } from "../api/stopping-settings.ts";
import { loadResults, type Results } from "../local/results.ts";
import { simulateStopping, type Simulation } from "../engine/stopping/simulate.ts";
import type { RecordedJob } from "../engine/stopping/replay-recorded.ts";
import type { Io } from "./validate-command.ts";

const USAGE = `usage: kubetune simulate <job.yaml> --curves <run-dir|results.json|tj/NAME> [-n NAMESPACE] [--kubeconfig FILE] [--context NAME] [--json]`;
const CLUSTER_TARGET = /^(?:tj|tuningjob|tuningjobs|tuningjobs\.kubetune\.io)\/(.+)$/;
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

type Loaded = { ok: true; results: Results; source: string } | { ok: false; detail: string };

/** A local run's results.json (its directory or the file itself). */
function loadLocal(target: string): Loaded {
  const dir = target.endsWith(".json") ? dirname(target) : target;
  if (!target.endsWith(".json") && existsSync(target) && !statSync(target).isDirectory()) return { ok: false, detail: `--curves ${target} is neither a run directory nor a results.json` };
  try {
    return { ok: true, results: loadResults(dir), source: `${dir}/results.json` };
  } catch (e) {
    return { ok: false, detail: `--curves: ${(e as Error).message.replace("cannot resume: ", "")}` };
  }
}

/** A TuningJob's Trials in the cluster, read into the same results model (contract C3). */
async function loadCluster(name: string, flags: { namespace?: string | undefined; kubeconfig?: string | undefined; context?: string | undefined }): Promise<Loaded> {
  if (!NAME.test(name)) return { ok: false, detail: `--curves: "${name}" is not a TuningJob name (lowercase letters, digits, '-' and '.')` };
  const { loadKubeConfig } = await import("../observe/kubeconfig-load.ts");
  const { readClusterJob } = await import("../observe/read-cluster-job.ts");
  const config = loadKubeConfig({ ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context !== undefined ? { context: flags.context } : {}) });
  if (!config.ok) return { ok: false, detail: config.detail };
  const namespace = flags.namespace ?? config.namespace;
  const read = await readClusterJob(config.kc, namespace, name);
  return read.ok ? { ok: true, results: read.results, source: `tj/${name} in namespace ${namespace}` } : { ok: false, detail: read.detail };
}

/** The recorded trials as the replay takes them. */
function recordedJob(r: Results): RecordedJob {
  const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
  return {
    direction: judgedObjective(r.spec).direction,
    best: r.best?.name,
    trials: r.trials.map((t) => ({ name: t.name, index: t.index, curve: t.curve, outcome: t.outcome, reason: t.reason, value: t.value, startedAt: ms(t.startedAt), finishedAt: ms(t.finishedAt) })),
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const num = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : "–");

/** The table `kubetune simulate` prints, best setting first. */
export function formatSimulation(sim: Simulation, what: string, metric: string, direction: string): string[] {
  const lines = [`${what}: ${sim.trials} trials with learning curves (${metric}, ${direction}); a full trial runs ${sim.fullSteps} steps`];
  if (sim.fidelity) {
    const f = sim.fidelity;
    lines.push(
      f.differences.length === 0
        ? `replayed with the settings it was recorded with (${f.setting}), it makes the job's own ${f.recorded} stop decisions: same trials, same steps`
        : `replayed with the settings it was recorded with (${f.setting}), ${f.differences.length} decisions differ from the job's (trials ran in parallel; their reports are ordered by time): ${f.differences.join("; ")}`,
    );
  }
  const header = ["#", "setting", "steps saved", "best kept", "stopped", `best ${metric}`];
  const rows = sim.rows.map((r, i) => [String(i + 1), `${r.label}${r.own ? " (job.yaml)" : ""}`, `${pct(r.saved)} (${r.stepsRun}/${r.stepsFull})`, r.bestKept === undefined ? "–" : r.bestKept ? "yes" : "no", `${r.stopped}/${sim.trials}`, num(r.found)]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] ?? "").length)));
  for (const row of [header, ...rows]) lines.push(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  ").trimEnd());
  const censored = Math.max(...sim.rows.map((r) => r.censored));
  if (censored > 0) lines.push(`trials the recording stopped early but a setting lets run on are counted at full length (${censored} at most): for those settings, steps saved are a lower bound`);
  return lines;
}

/** `kubetune simulate`: replays recorded learning curves under a job's early stopping and alternatives; returns the exit code. */
export async function simulateCommand(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { curves: { type: "string" }, namespace: { type: "string", short: "n" }, kubeconfig: { type: "string" }, context: { type: "string" }, json: { type: "boolean" } } });
  } catch (e) {
    io.err(`kubetune simulate: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0];
  const curves = parsed.values.curves;
  if (file === undefined || parsed.positionals.length > 1 || curves === undefined) {
    io.err(`kubetune simulate: name one TuningJob manifest and --curves\n${USAGE}`);
    return 2;
  }
  const fail = (detail: string): number => {
    io.err(`${io.style.red("✗")} ${detail}`);
    return 1;
  };
  let spec;
  try {
    spec = parseTuningJob(file === "-" ? io.stdin() : readFileSync(file, "utf8"), file).spec;
  } catch (e) {
    // One line: a manifest's problems are listed one per line; here they follow its name.
    return fail((e as Error).message.replace(/\n\s*/g, " "));
  }
  const own = EarlyStoppingSpec.parse(spec.earlyStopping);
  if (own.algorithm === "none") return fail(`${file} has no spec.earlyStopping (or algorithm none): there is nothing to simulate; add e.g. earlyStopping: {algorithm: asha, settings: {maxResource: <epochs>}}`);
  const cluster = CLUSTER_TARGET.exec(curves);
  const loaded = cluster ? await loadCluster(cluster[1] as string, parsed.values) : loadLocal(curves);
  if (!loaded.ok) return fail(loaded.detail);
  const { results } = loaded;
  // Curves record the judged objective (the single one, or earlyStopping.settings.metric's of several).
  const objective = judgedObjective(spec);
  const recorded = judgedObjective(results.spec);
  if (recorded.metric !== objective.metric || recorded.direction !== objective.direction) {
    return fail(`${loaded.source} recorded ${recorded.metric} (${recorded.direction}), but ${file}'s objective is ${objective.metric} (${objective.direction}): simulate a job on curves of its own objective`);
  }
  const job = recordedJob(results);
  const withCurves = job.trials.filter((t) => t.curve.length > 0);
  if (withCurves.length === 0) return fail(`${loaded.source} holds no learning curves: no trial reported ${objective.metric}`);
  if (withCurves.every((t) => t.curve.length === 1)) return fail(`${loaded.source}: every trial reported ${objective.metric} at one step only; early stopping needs learning curves`);
  const sim = simulateStopping(job, objective.metric, own, results.spec.earlyStopping === undefined ? undefined : EarlyStoppingSpec.parse(results.spec.earlyStopping));
  if (parsed.values.json) io.out(JSON.stringify({ source: loaded.source, ...sim }, null, 2));
  else for (const line of formatSimulation(sim, `${results.job} from ${loaded.source}`, objective.metric, objective.direction)) io.out(line);
  return 0;
}
