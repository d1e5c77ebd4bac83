/**
 * Extending a finished job: raising budget.maxTrials of a job that succeeded with MaxTrialsReached
 * resumes it; any other edit of a finished job is ignored, with an Event saying why. The resume is
 * written to the job's status (phase Running, condition Extended) before anything else happens, so a
 * controller restarted mid-extension finds a running job and rebuilds it from its Trials like any other.
 */
import { GROUP_VERSION } from "../../api/meta.ts";
import type { TuningJobSpec, TuningJobStatus } from "../../api/tuningjob.ts";
import { trialName } from "../../engine/job.ts";
import { boundedText, setCondition } from "../status.ts";
import { isoNow, type Deps, type JobObject } from "./deps.ts";

/** What a spec edit means for a finished job. */
export type FinishedEdit =
  | { kind: "none" }
  | { kind: "resume"; trials: number; maxTrials: number }
  | { kind: "ignore"; message: string };

/** Judges a finished job's spec against its status: an edit since it finished (a newer generation) resumes it or is ignored. */
export function judgeFinishedEdit(status: TuningJobStatus | undefined, spec: TuningJobSpec, generation: number): FinishedEdit {
  if (status?.phase !== "Succeeded" && status?.phase !== "Failed") return { kind: "none" };
  if ((status.observedGeneration ?? 0) >= generation) return { kind: "none" };
  const trials = status.trialsCreated ?? 0;
  const maxTrials = spec.budget.maxTrials;
  if (status.phase === "Succeeded" && status.reason === "MaxTrialsReached") {
    if (maxTrials > trials) return { kind: "resume", trials, maxTrials };
    return { kind: "ignore", message: `the edit does not extend the job: budget.maxTrials (${maxTrials}) is not above the ${trials} trials it has run; raise it above ${trials} to continue the search` };
  }
  return {
    kind: "ignore",
    message: `the edit is ignored: the job ended ${status.phase} (${status.reason ?? "no reason"}), and only a job that succeeded with MaxTrialsReached is extended by raising budget.maxTrials; to search on, create a new TuningJob with spec.search.warmStart.jobs naming this one`,
  };
}

/**
 * Acts on an edit of a finished job without a runtime: a resume is written to its status (and `job`)
 * and returns true, so the caller rebuilds the job from its Trials; an ignored edit is told once (the
 * status records the generation it saw) and returns false.
 */
export async function resumeIfExtended(d: Deps, job: JobObject): Promise<boolean> {
  const generation = job.metadata.generation ?? 0;
  const edit = judgeFinishedEdit(job.status, job.spec, generation);
  const { namespace, name, uid } = job.metadata;
  const tell = (type: "Normal" | "Warning", reason: string, message: string): void =>
    void d.api.event({ kind: "TuningJob", apiVersion: GROUP_VERSION, namespace, name, uid }, type, reason, message).catch(() => undefined);
  if (edit.kind === "none") return false;
  if (edit.kind === "ignore") {
    await d.api.patchJobStatus(namespace, name, { ...job.status, observedGeneration: generation });
    job.status = { ...job.status, observedGeneration: generation };
    tell("Warning", "EditIgnored", edit.message);
    d.log.info("an edit of a finished job is ignored", { namespace, job: name, generation, why: edit.message });
    return false;
  }
  const message = `budget.maxTrials raised to ${edit.maxTrials}: the job resumes after its ${edit.trials} trials, from ${trialName(name, edit.trials)}, with the search rebuilt from them`;
  const conditions = setCondition(job.status?.conditions ?? [], { type: "Extended", status: "True", reason: "MaxTrialsRaised", message: boundedText(message) }, isoNow(d));
  const resumed: TuningJobStatus = { ...job.status, phase: "Running", observedGeneration: generation, conditions };
  delete resumed.reason;
  delete resumed.message;
  delete resumed.completionTime;
  await d.api.patchJobStatus(namespace, name, resumed, ["reason", "message", "completionTime"]);
  job.status = resumed;
  tell("Normal", "Resumed", message);
  d.log.info("finished job extended; resuming it", { namespace, job: name, trials: edit.trials, maxTrials: edit.maxTrials });
  return true;
}
