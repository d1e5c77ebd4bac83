import { z } from "zod";
import { TuningJob, type TuningJobStatus } from "../../api/tuningjob.ts";
import type { Deps, JobObject } from "./deps.ts";

/** What the cache says of a job key. */
export type JobRead =
  | { state: "deleted" }
  /** Nothing to do: no usable metadata, or being deleted (the garbage collector removes its Trials; do not fight it). */
  | { state: "ignored" }
  /** A manifest the schema refuses: `message` says what is wrong and how to fix it. */
  | { state: "invalid"; namespace: string; name: string; uid: string; generation: number; status: TuningJobStatus | undefined; message: string }
  | { state: "valid"; job: JobObject };

const JobMeta = z.looseObject({ metadata: z.looseObject({ name: z.string(), namespace: z.string(), uid: z.string(), generation: z.number().optional() }) });

/** Reads and validates the job `namespace/name` from the informer cache. */
export function readJob(d: Deps, namespace: string, name: string): JobRead {
  const raw = d.jobs.get(namespace, name);
  if (!raw) return { state: "deleted" };
  const meta = JobMeta.safeParse(raw);
  if (!meta.success || raw.metadata?.deletionTimestamp) return { state: "ignored" };
  const parsed = TuningJob.safeParse(raw);
  if (!parsed.success) {
    const message = `the TuningJob is invalid: ${parsed.error.issues.map((i) => `spec.${i.path.slice(1).join(".")}: ${i.message}`).join("; ")}; fix the manifest (kubetune validate) and re-apply`;
    const { uid, generation } = meta.data.metadata;
    return { state: "invalid", namespace, name, uid, generation: generation ?? 0, status: (raw as { status?: TuningJobStatus }).status, message };
  }
  return { state: "valid", job: { ...parsed.data, metadata: { ...parsed.data.metadata, ...meta.data.metadata } } as JobObject };
}
