import { z } from "zod";
import { SubjectToken } from "../../../controller/src/api/metrics.ts";

/** How a reporter delivers reports: NATS JetStream, stdout lines for the local runner, or humane stderr lines. */
export type TransportKind = "nats" | "stdio" | "console";

// Kubernetes may set a variable to "" when a template renders nothing; treat that as unset.
const optional = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === "" ? undefined : v), s.optional());

const ReporterEnvSchema = z.object({
  KUBETUNE_NATS_URL: optional(z.string()),
  KUBETUNE_REPORT: optional(z.enum(["stdio", "console"], { error: 'must be "stdio" or "console" (or unset)' })),
  KUBETUNE_NAMESPACE: optional(SubjectToken),
  KUBETUNE_JOB: optional(SubjectToken),
  KUBETUNE_TRIAL: optional(SubjectToken),
  KUBETUNE_REPORT_KEY: optional(z.string()),
});

/** The transport and trial address a reporter uses, as read from the environment. */
export interface ReporterConfig {
  transport: TransportKind;
  namespace: string;
  job: string;
  trial: string;
  natsUrl?: string;
  /** The trial's report key (KUBETUNE_REPORT_KEY), which NATS reports are signed with. */
  reportKey?: string;
}

/** Reads the reporter configuration from environment variables; throws an Error naming the bad variable. */
export function reporterConfigFromEnv(env: Record<string, string | undefined>): ReporterConfig {
  const parsed = ReporterEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`kubetune reporter: ${String(issue?.path[0] ?? "environment")} ${issue?.message ?? "is invalid"}`);
  }
  const e = parsed.data;
  const namespace = e.KUBETUNE_NAMESPACE ?? "default";
  if (e.KUBETUNE_NATS_URL !== undefined) {
    const missing = (["KUBETUNE_JOB", "KUBETUNE_TRIAL"] as const).filter((k) => e[k] === undefined);
    if (missing.length > 0) {
      throw new Error(`kubetune reporter: KUBETUNE_NATS_URL is set but ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not; the controller sets all of them in trial Pods — set them too when running by hand`);
    }
    return { transport: "nats", namespace, job: e.KUBETUNE_JOB ?? "", trial: e.KUBETUNE_TRIAL ?? "", natsUrl: e.KUBETUNE_NATS_URL, ...(e.KUBETUNE_REPORT_KEY !== undefined ? { reportKey: e.KUBETUNE_REPORT_KEY } : {}) };
  }
  return { transport: e.KUBETUNE_REPORT ?? "console", namespace, job: e.KUBETUNE_JOB ?? "local", trial: e.KUBETUNE_TRIAL ?? "local" };
}

/** Variables that give a replica's rank, read in this order: torchrun and PyTorchJob, Indexed Jobs (and JobSet's), Open MPI, MPICH. */
export const RANK_ENV = ["RANK", "JOB_COMPLETION_INDEX", "OMPI_COMM_WORLD_RANK", "PMI_RANK"] as const;
/** Names the replica whose reports make the trial's curve (default 0); set it in the trial template. */
export const OBJECTIVE_RANK_ENV = "KUBETUNE_OBJECTIVE_RANK";

/**
 * This replica's rank (the first of RANK_ENV that is a whole number; 0 when none is) and whether it is
 * the one that reports: a trial of several replicas (a Job with parallelism, a JobSet, a PyTorchJob)
 * has one curve, so the others keep their reports on stderr and only listen for stop requests.
 */
export function replicaRole(env: Record<string, string | undefined>): { rank: number; objectiveRank: number; primary: boolean } {
  const whole = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined);
  const rank = RANK_ENV.map((k) => whole(env[k])).find((v) => v !== undefined) ?? 0;
  const named = env[OBJECTIVE_RANK_ENV];
  const objectiveRank = named === undefined || named === "" ? 0 : whole(named);
  if (objectiveRank === undefined) throw new Error(`kubetune reporter: ${OBJECTIVE_RANK_ENV} must be a whole number (the rank whose reports make the curve), got ${JSON.stringify(named)}`);
  return { rank, objectiveRank, primary: rank === objectiveRank };
}
