/** `kubetune simulate`'s core: replays recorded curves under a job's stopping setting and its alternatives, and ranks them (pure). */
import type { EarlyStoppingSpec } from "../../api/stopping-settings.ts";
import { candidatesFor, describeStopping } from "./alternatives.ts";
import { recordedStops, replayRecorded, type RecordedJob } from "./replay-recorded.ts";
import { stopperConfigFromSpec } from "./settings.ts";

/** One setting's replay, as `kubetune simulate` prints it. */
export interface SimulationRow {
  label: string;
  /** The setting of the job being simulated (the first candidate). */
  own: boolean;
  /** Fraction of the steps of a full run that the setting saves. */
  saved: number;
  stepsRun: number;
  stepsFull: number;
  bestKept: boolean | undefined;
  /** Best objective among the succeeded trials the setting let finish (NaN when none). */
  found: number;
  stopped: number;
  censored: number;
}

/** Whether replaying the recording under the settings it was made with gives back its decisions. */
export interface Fidelity {
  setting: string;
  /** Stops the stopping rule made in the recording. */
  recorded: number;
  /** Trials whose replayed decision differs: `name: replay …, job …`. */
  differences: string[];
}

export interface Simulation {
  trials: number;
  fullSteps: number;
  rows: SimulationRow[];
  fidelity: Fidelity | undefined;
}

/** The job's own decisions against the replay's under the same settings. */
function fidelityOf(job: RecordedJob, recordedWith: EarlyStoppingSpec, metric: string): Fidelity {
  const replay = replayRecorded(job, stopperConfigFromSpec(recordedWith, { metric, direction: job.direction }));
  const recorded = recordedStops(job);
  const differences: string[] = [];
  for (const t of job.trials) {
    const was = recorded.get(t.name);
    const now = replay.stops.get(t.name)?.step;
    // A trial the job stopped for another reason (the job ended) is not the rule's decision either way.
    if (was === undefined && now !== undefined && t.outcome === "earlyStopped") continue;
    if (was !== now) differences.push(`${t.name}: replay ${now === undefined ? "lets it run" : `stops it at step ${now}`}, the job ${was === undefined ? "let it run" : `stopped it at step ${was}`}`);
  }
  return { setting: describeStopping(recordedWith), recorded: recorded.size, differences };
}

/**
 * Replays `job` under `own` (the setting being considered) and its alternatives, ranked: settings that keep
 * the best trial first, then by the best objective they let finish, then by steps saved; ties keep the
 * candidates' order, so the output is the same on every run. With `recordedWith` (the settings the
 * recording was made with) it also checks that the replay makes the recording's own decisions.
 */
export function simulateStopping(job: RecordedJob, metric: string, own: EarlyStoppingSpec, recordedWith?: EarlyStoppingSpec): Simulation {
  const trials = job.trials.filter((t) => t.curve.length > 0);
  const lastStep = (t: (typeof trials)[number]) => t.curve.reduce((m, p) => Math.max(m, p.step), 0);
  const succeeded = trials.filter((t) => t.outcome === "succeeded");
  const fullSteps = Math.max(0, ...(succeeded.length > 0 ? succeeded : trials).map(lastStep));
  const rows = candidatesFor(own, fullSteps).map((c, i): SimulationRow => {
    const r = replayRecorded(job, stopperConfigFromSpec(c.spec, { metric, direction: job.direction }));
    return {
      label: c.label,
      own: i === 0,
      saved: r.stepsFull > 0 ? 1 - r.stepsRun / r.stepsFull : 0,
      stepsRun: r.stepsRun,
      stepsFull: r.stepsFull,
      bestKept: r.bestKept,
      found: r.found,
      stopped: r.stops.size,
      censored: r.censored,
    };
  });
  const sign = job.direction === "minimize" ? 1 : -1;
  const foundKey = (r: SimulationRow) => (Number.isNaN(r.found) ? Infinity : sign * r.found);
  const ranked = rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => Number(b.r.bestKept !== false) - Number(a.r.bestKept !== false) || foundKey(a.r) - foundKey(b.r) || b.r.saved - a.r.saved || a.i - b.i)
    .map((x) => x.r);
  const fidelity = recordedWith && recordedWith.algorithm !== "none" ? fidelityOf(job, recordedWith, metric) : undefined;
  return { trials: trials.length, fullSteps, rows: ranked, fidelity };
}
