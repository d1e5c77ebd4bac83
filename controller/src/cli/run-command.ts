import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { ManifestError, parseTuningJob } from "../api/validate.ts";
import { TuningJobSpec, type TuningJob } from "../api/tuningjob.ts";
import { startRun } from "../local/runner.ts";
import { localPodTemplate } from "../local/trial-command.ts";
import { loadResults, type Results } from "../local/results.ts";
import { writeRunFiles } from "../local/run-files.ts";
import { localWarmStart } from "../local/warm-runs.ts";
import type { WarmStartStatus } from "../api/warm-start.ts";
import { jsonView, liveView, plainView, resumeHint, type View } from "../local/views.ts";
import type { Io } from "./validate-command.ts";
import { judgedObjective } from "../api/job-objectives.ts";

const packageRoot = resolve(import.meta.dirname, "../../..");

const RunFlags = z.object({
  parallel: z.coerce.number({ error: "--parallel must be a whole number ≥ 1" }).int({ error: "--parallel must be a whole number ≥ 1" }).min(1, { error: "--parallel must be a whole number ≥ 1" }).optional(),
  seed: z.coerce.number({ error: "--seed must be a whole number ≥ 0" }).int({ error: "--seed must be a whole number ≥ 0" }).min(0, { error: "--seed must be a whole number ≥ 0" }).optional(),
  grace: z.coerce.number({ error: "--grace must be seconds ≥ 0" }).min(0, { error: "--grace must be seconds ≥ 0" }).default(10),
  out: z.string().optional(),
  resume: z.string().optional(),
  runs: z.string().min(1, { error: "--runs must name a directory" }).default("kubetune-runs"),
  nats: z.string().regex(/^(nats|tls|ws|wss):\/\//, { error: "--nats must be a URL like nats://127.0.0.1:4222" }).optional(),
  order: z.enum(["trial", "arrival"], { error: '--order must be "trial" (reproducible) or "arrival"' }).default("trial"),
  quiet: z.boolean().default(false),
  json: z.boolean().default(false),
});

/** Terminal facts the run command needs; injectable for tests. */
export interface Terminal {
  isTTY: boolean;
  columns(): number;
  /** Registers Ctrl-C handling; returns a function that removes it. */
  onInterrupt(handler: () => void): () => void;
  write(text: string): void;
}

const USAGE = "usage: kubetune run <job.yaml> [--parallel N] [--out DIR] [--seed S] [--resume DIR] [--runs DIR] [--nats URL] [--grace SECONDS] [--order trial|arrival] [--quiet | --json]";

function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/** The flags of `kubetune run`, as node:util parseArgs takes them. */
const RUN_OPTIONS = {
  parallel: { type: "string" },
  seed: { type: "string" },
  grace: { type: "string" },
  order: { type: "string" },
  out: { type: "string", short: "o" },
  resume: { type: "string" },
  runs: { type: "string" },
  nats: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  json: { type: "boolean" },
} as const;

/**
 * The warm start of a run: what a resumed run recorded, or (a new run) what the earlier runs under
 * `runs` give (local/warm-runs.ts), said on stderr; null (said why) when a named run is missing or unfinished.
 */
function warmStartOf(spec: TuningJobSpec, resume: Results | undefined, runs: string, io: Io): WarmStartStatus | undefined | null {
  if (resume?.warmStart || !spec.search.warmStart) return resume?.warmStart;
  const w = localWarmStart(spec, runs);
  if (!w.ok) {
    io.err(`${io.style.red("✗")} ${w.detail}`);
    return null;
  }
  io.err(`warm start: ${w.warm.observations.length} finished trials of ${w.dirs.join(", ")}${w.warm.skipped > 0 ? `; ${w.warm.skipped} skipped, the first: ${w.warm.skippedReason ?? ""}` : ""}`);
  return w.warm;
}

/** `kubetune run`: runs a TuningJob on this machine, trials as local processes; returns the exit code. */
export async function runCommand(argv: string[], io: Io, term: Terminal): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: RUN_OPTIONS,
    });
  } catch (e) {
    io.err(`kubetune run: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const flags = RunFlags.safeParse(parsed.values);
  if (!flags.success) {
    io.err(`kubetune run: ${flags.error.issues.map((i) => i.message).join("; ")}\n${USAGE}`);
    return 2;
  }
  const f = flags.data;
  const file = parsed.positionals[0];
  if (parsed.positionals.length > 1) {
    io.err(`kubetune run: one manifest at a time, got ${parsed.positionals.length}\n${USAGE}`);
    return 2;
  }
  if (file === undefined && f.resume === undefined) {
    io.err(`kubetune run: name a TuningJob manifest (or --resume DIR)\n${USAGE}`);
    return 2;
  }

  let resume: Results | undefined;
  let job: TuningJob | undefined;
  try {
    if (f.resume !== undefined) resume = loadResults(f.resume);
    if (file !== undefined) job = parseTuningJob(file === "-" ? io.stdin() : readFileSync(file, "utf8"), file);
  } catch (e) {
    if (e instanceof ManifestError || e instanceof Error) {
      io.err(`${io.style.red("✗")} ${e.message}`);
      return 1;
    }
    throw e;
  }

  const name = job?.metadata.name ?? (resume as Results).job;
  let spec = resume ? resume.spec : (job as TuningJob).spec;
  if (resume && job && JSON.stringify(TuningJobSpec.parse(job.spec).parameters) !== JSON.stringify(resume.spec.parameters)) {
    io.err(`${io.style.red("✗")} cannot resume: ${file} declares other parameters than the run in ${f.resume}; resume with the same manifest, or start a new run without --resume`);
    return 1;
  }
  if (f.seed !== undefined) {
    if (resume && (resume.spec.search.seed ?? 0) !== f.seed) {
      io.err(`${io.style.red("✗")} cannot resume with --seed ${f.seed}: the run in ${f.resume} used seed ${resume.spec.search.seed ?? 0}`);
      return 1;
    }
    spec = { ...spec, search: { ...spec.search, seed: f.seed } };
  }
  if (f.parallel !== undefined) {
    if (f.parallel > spec.budget.maxTrials) {
      io.err(`kubetune run: --parallel ${f.parallel} exceeds maxTrials (${spec.budget.maxTrials})`);
      return 2;
    }
    spec = { ...spec, budget: { ...spec.budget, parallelTrials: f.parallel } };
  }
  try {
    localPodTemplate(spec.trialTemplate);
  } catch (e) {
    io.err(`${io.style.red("✗")} ${(e as Error).message}`);
    return 1;
  }
  const warm = warmStartOf(spec, resume, f.runs, io);
  if (warm === null) return 1;
  const dir = resolve(f.resume ?? f.out ?? join(f.runs, `${name}-${timestamp()}`));

  const metric = judgedObjective(spec).metric;
  const view: View = f.json
    ? jsonView((l) => io.out(l))
    : term.isTTY && !f.quiet
      ? liveView((t) => term.write(t), io.style, metric, () => term.columns())
      : plainView((l) => io.err(l), io.style, metric);
  const clock = setInterval(() => view.refresh(), 1000);
  const run = startRun({
    job: name,
    spec,
    dir,
    cwd: process.cwd(),
    ...(resume ? { resume } : {}),
    ...(warm ? { warm } : {}),
    graceMs: f.grace * 1000,
    order: f.order,
    env: process.env,
    // Our own bins (kubetune-trainer) first: npm links a package's bins for its dependents, not for itself.
    pathDirs: [join(packageRoot, "bin"), join(packageRoot, "node_modules", ".bin"), dirname(process.execPath)],
    ...(f.nats ? { natsUrl: f.nats } : {}),
    onEvent: (e) => view.event(e),
  });
  let interrupts = 0;
  const off = term.onInterrupt(() => {
    interrupts++;
    if (interrupts === 1) {
      if (!f.json) io.err(io.style.yellow(`\nstopping trials… (Ctrl-C again to kill them); ${resumeHint(dir)}`));
      run.interrupt();
    } else run.kill();
  });
  try {
    const results = await run.done;
    writeRunFiles(dir, results);
    return results.status.phase === "Succeeded" ? 0 : results.status.reason === "Interrupted" ? 130 : 1;
  } catch (e) {
    io.err(`${io.style.red("✗")} the run stopped on an internal error: ${(e as Error).stack ?? String(e)}\n${existsSync(join(dir, "results.json")) ? resumeHint(dir) : ""}`);
    return 1;
  } finally {
    clearInterval(clock);
    off();
    view.close();
  }
}
