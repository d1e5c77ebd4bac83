/**
 * Warm start for `kubetune run`: a job named in spec.search.warmStart.jobs is its newest finished local
 * run under the runs directory (`<runs>/<job>-<timestamp>/results.json`, the directories `kubetune run`
 * makes by default). A missing or unfinished run is an error: locally nothing else would finish it.
 */
import { judgedObjective } from "../api/job-objectives.ts";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { TuningJobSpec } from "../api/tuningjob.ts";
import type { WarmStartStatus } from "../api/warm-start.ts";
import { selectWarm, type WarmSource } from "../engine/warm-start.ts";
import { loadResults, trialViewsOf } from "./results.ts";

/** The run directory names `kubetune run` gives a job by default: `<job>-YYYYMMDD-HHMMSS`. */
const runDirOf = (job: string) => new RegExp(`^${job.replaceAll("-", "\\-")}-\\d{8}-\\d{6}$`);

/** The warm start of a local run, with the run directories it read, or why there is none. */
export type LocalWarmStart = { ok: true; warm: WarmStartStatus; dirs: string[] } | { ok: false; reason: "missing" | "unfinished" | "unreadable"; detail: string };

/** Reads the newest finished run of each job of spec.search.warmStart under `runsDir` and selects what fits `spec`. */
export function localWarmStart(spec: TuningJobSpec, runsDir: string): LocalWarmStart {
  const names = spec.search.warmStart?.jobs ?? [];
  const entries = existsSync(runsDir) ? readdirSync(runsDir) : [];
  const sources: WarmSource[] = [];
  const dirs: string[] = [];
  for (const job of names) {
    const candidates = entries.filter((e) => runDirOf(job).test(e)).sort().reverse();
    if (candidates.length === 0) {
      return { ok: false, reason: "missing", detail: `spec.search.warmStart.jobs names "${job}", but ${runsDir} has no run of it (${job}-<timestamp>/results.json); run it first with kubetune run, or point --runs at the directory that holds its runs` };
    }
    const dir = join(runsDir, candidates[0] as string);
    let results;
    try {
      results = loadResults(dir);
    } catch (e) {
      return { ok: false, reason: "unreadable", detail: `warm start from "${job}": ${(e as Error).message.replace("cannot resume: ", "")}` };
    }
    if (results.status.phase === "Running") {
      return { ok: false, reason: "unfinished", detail: `warm start from "${job}": its newest run ${dir} has not finished; finish it (kubetune run --resume ${dir}) or remove it` };
    }
    sources.push({ job, metric: judgedObjective(results.spec).metric, trials: trialViewsOf(results) });
    dirs.push(dir);
  }
  return { ok: true, warm: { jobs: [...names], ...selectWarm(spec, sources) }, dirs };
}
