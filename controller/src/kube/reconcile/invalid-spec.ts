import { GROUP_VERSION } from "../../api/meta.ts";
import type { TuningJobStatus } from "../../api/tuningjob.ts";
import { isoNow, type Deps, type JobObject } from "./deps.ts";
import type { JobRead } from "./read.ts";

/** Marks an invalid job Failed (InvalidSpec) with what is wrong, once per generation and message. */
export async function refuseInvalid(d: Deps, r: Extract<JobRead, { state: "invalid" }>): Promise<void> {
  const { namespace, name, status, message, generation } = r;
  if (status?.phase === "Failed" && status.message === message && status.observedGeneration === generation) return;
  await d.api.patchJobStatus(namespace, name, { ...(status ?? {}), phase: "Failed", reason: "InvalidSpec", message, observedGeneration: generation, completionTime: isoNow(d) });
  void d.api.event({ kind: "TuningJob", apiVersion: GROUP_VERSION, namespace, name, uid: r.uid }, "Warning", "InvalidSpec", message).catch(() => undefined);
}

/** Whether the job was refused as InvalidSpec and re-applied since (a new generation), so it may run now. */
export function fixedSinceRefused(job: JobObject): boolean {
  return job.status?.reason === "InvalidSpec" && (job.status.observedGeneration ?? 0) < (job.metadata.generation ?? 0);
}

/** A job refused as InvalidSpec ran nothing; re-applied with a fix it runs, from a clean status. */
export async function clearRefusal(d: Deps, job: JobObject): Promise<void> {
  const generation = job.metadata.generation ?? 0;
  // A recorded warm start stays: it is what the job's search was (or will be) seeded with.
  const fresh: TuningJobStatus = { phase: "Pending", observedGeneration: generation, conditions: [], ...(job.status?.warmStart ? { warmStart: job.status.warmStart } : {}) };
  await d.api.patchJobStatus(job.metadata.namespace, job.metadata.name, fresh, ["reason", "message", "completionTime", "startTime", "trials", "trialsCreated", "progress", "bestTrial"]);
  job.status = fresh;
  d.log.info("the re-applied TuningJob is valid now; running it", { namespace: job.metadata.namespace, job: job.metadata.name, generation });
}
