/**
 * Warm start on the cluster. The earlier jobs are read once, when all of them have finished, and what
 * was taken from them is recorded in the job's status (status.warmStart) before its first trial: a
 * restarted controller rebuilds the optimizer from that record, never from the earlier jobs again, so
 * it rebuilds identically even if one of them was deleted, or extended, in between.
 */
import { z } from "zod";
import type { WarmObservation, WarmStartStatus } from "../../api/warm-start.ts";
import { paramsProblem, selectWarm, type WarmSource } from "../../engine/warm-start.ts";
import { finishedOrder, trialViewOf } from "../objects.ts";
import { boundedText, setCondition } from "../status.ts";
import { isoNow, type Deps, type JobObject } from "./deps.ts";
import { ownedTrials } from "./rebuild.ts";
import { GROUP_VERSION } from "../../api/meta.ts";

/** How often a job waiting for the jobs it warm-starts from looks again (their end enqueues nothing here). */
const WAIT_MS = 5_000;

/** The warm observations of a job, or a wait for the earlier jobs to exist and finish. */
export type WarmReady = { ok: true; observations: readonly WarmObservation[] } | { ok: false; requeueAfterMs: number };

const EarlierJob = z.looseObject({
  metadata: z.looseObject({ uid: z.string() }),
  spec: z.looseObject({
    objective: z.looseObject({ metric: z.string() }),
    search: z.looseObject({ warmStart: z.looseObject({ jobs: z.array(z.string()) }).optional() }).optional(),
  }),
  status: z.looseObject({ phase: z.string().optional() }).optional(),
});

/** The earlier jobs as warm start reads them, or why the job must wait for them. */
function readSources(d: Deps, namespace: string, self: string, names: readonly string[]): { sources: WarmSource[] } | { wait: string } {
  const sources: WarmSource[] = [];
  for (const name of names) {
    const parsed = EarlierJob.safeParse(d.jobs.get(namespace, name));
    if (!parsed.success) return { wait: `TuningJob "${name}" (spec.search.warmStart.jobs) does not exist in namespace ${namespace}; waiting for it (check the name if it never comes)` };
    const phase = parsed.data.status?.phase;
    if (phase !== "Succeeded" && phase !== "Failed") {
      // Two jobs warm-starting from each other would wait for ever: say so.
      const cycle = parsed.data.spec.search?.warmStart?.jobs.includes(self) ? `; it warm-starts from this job in turn, so neither can start: delete one and re-create it without the other in spec.search.warmStart` : "";
      return { wait: `TuningJob "${name}" (spec.search.warmStart.jobs) has not finished (phase ${phase ?? "Pending"}); waiting for it, as its trials seed this job${cycle}` };
    }
    const stored = ownedTrials(d, namespace, name, parsed.data.metadata.uid);
    const order = finishedOrder(stored);
    const trials = stored.map((t) => {
      const o = order.get(t.metadata.name);
      return o === undefined ? trialViewOf(t) : { ...trialViewOf(t), finishedOrder: o };
    });
    sources.push({ job: name, metric: parsed.data.spec.objective.metric, trials });
  }
  return { sources };
}

/** Says (Event and condition) that the job waits for the jobs it warm-starts from, once per distinct reason. */
async function sayWaiting(d: Deps, job: JobObject, message: string, said: Map<string, string>): Promise<void> {
  const key = `${job.metadata.namespace}/${job.metadata.name}`;
  if (said.get(key) === message) return;
  said.set(key, message);
  const conditions = setCondition(job.status?.conditions ?? [], { type: "WarmStart", status: "False", reason: "WaitingForJobs", message: boundedText(message) }, isoNow(d));
  await d.api.patchJobStatus(job.metadata.namespace, job.metadata.name, { phase: job.status?.phase ?? "Pending", conditions });
  job.status = { ...(job.status ?? {}), phase: job.status?.phase ?? "Pending", conditions };
  tell(d, job, "Normal", "WarmStartWaiting", message);
}

function tell(d: Deps, job: JobObject, type: "Normal" | "Warning", reason: string, message: string): void {
  const { namespace, name, uid } = job.metadata;
  d.api.event({ kind: "TuningJob", apiVersion: GROUP_VERSION, namespace, name, uid }, type, reason, message).catch(() => undefined);
}

/** Records the selection in the job's status (and in `job`), with a condition and Events saying what was taken and skipped. */
async function record(d: Deps, job: JobObject, warm: WarmStartStatus): Promise<void> {
  const jobs = warm.jobs.map((j) => `"${j}"`).join(", ");
  const taken = `told the search ${warm.observations.length} finished trials of ${jobs} before this job's own`;
  const conditions = setCondition(job.status?.conditions ?? [], { type: "WarmStart", status: "True", reason: "Recorded", message: boundedText(taken) }, isoNow(d));
  await d.api.patchJobStatus(job.metadata.namespace, job.metadata.name, { ...(job.status?.phase ? {} : { phase: "Pending" }), conditions, warmStart: warm });
  job.status = { phase: "Pending", ...(job.status ?? {}), conditions, warmStart: warm };
  tell(d, job, "Normal", "WarmStarted", taken);
  if (warm.skipped > 0) tell(d, job, "Warning", "WarmStartSkipped", `${warm.skipped} finished trials of ${jobs} did not fit this job and were skipped; the first: ${warm.skippedReason ?? "unknown"}`);
  d.log.info("warm start recorded", { namespace: job.metadata.namespace, job: job.metadata.name, observations: warm.observations.length, skipped: warm.skipped });
}

/**
 * The warm observations of `job`: none without spec.search.warmStart; the recorded ones once recorded;
 * otherwise read from the earlier jobs when all have finished and recorded, or a wait (`said` keeps
 * the last reason told per job, so a wait is told once).
 */
export async function warmStartOf(d: Deps, job: JobObject, said: Map<string, string>): Promise<WarmReady> {
  const names = job.spec.search.warmStart?.jobs;
  if (!names) return { ok: true, observations: [] };
  const recorded = job.status?.warmStart;
  if (recorded) {
    // spec.parameters cannot change, so a recorded observation always fits; one edited into the status by hand is dropped, not fatal.
    const fitting = recorded.observations.filter((o) => paramsProblem(job.spec.parameters, o.params) === null);
    if (fitting.length < recorded.observations.length) d.log.warn("ignoring recorded warm observations that do not fit the job", { namespace: job.metadata.namespace, job: job.metadata.name, dropped: recorded.observations.length - fitting.length });
    return { ok: true, observations: fitting };
  }
  const read = readSources(d, job.metadata.namespace, job.metadata.name, names);
  if ("wait" in read) {
    await sayWaiting(d, job, read.wait, said);
    return { ok: false, requeueAfterMs: WAIT_MS };
  }
  said.delete(`${job.metadata.namespace}/${job.metadata.name}`);
  const selection = selectWarm(job.spec, read.sources);
  await record(d, job, { jobs: [...names], ...selection });
  return { ok: true, observations: selection.observations };
}
