import { GROUP_VERSION } from "../../api/meta.ts";
import { isResourceTemplate } from "../../api/template.ts";
import { trialConditions } from "../../api/trial-resource.ts";
import { backoffMs } from "../../backoff.ts";
import { setCondition } from "../status.ts";
import { isoNow, type Deps, type JobObject } from "./deps.ts";
import type { Workload } from "./runtime.ts";

/** The job condition that says whether the kind its trials are can be made and watched. */
export const TRIAL_KIND_CONDITION = "TrialKind";
const REFUSALS = { "not-installed": "KindNotInstalled", forbidden: "KindNotAllowed" } as const;
const isRefusalReason = (reason: string | undefined): boolean => reason === REFUSALS["not-installed"] || reason === REFUSALS.forbidden;

/** Longest pause between two looks for a missing kind: a CRD installed later is picked up within it. */
const MAX_RECHECK_MS = 60_000;

/** What a job's trials are made as: Pods (no workload), a resolved resource kind, or a wait for the kind. */
export type KindCheck = { ok: true; workload?: Workload } | { ok: false; requeueAfterMs: number };

/**
 * Resolves the kind a job's trials are (discovery and a list permission check). A kind that is not
 * installed or not allowed leaves the job Pending with reason KindNotInstalled or KindNotAllowed and
 * a False TrialKind condition, and is looked for again with backoff; once it is there the job runs.
 * `waits` counts the looks per job key.
 */
export async function checkTrialKind(d: Deps, job: JobObject, waits: Map<string, number>): Promise<KindCheck> {
  const t = job.spec.trialTemplate;
  if (!isResourceTemplate(t)) return { ok: true };
  const { namespace, name } = job.metadata;
  const key = `${namespace}/${name}`;
  const { apiVersion, kind } = t.resource;
  const r = d.workloads
    ? await d.workloads.resolve(namespace, apiVersion, kind)
    : ({ ok: false, reason: "not-installed", detail: "this controller runs without support for trials that are resources" } as const);
  const now = isoNow(d);
  const status = job.status ?? {};
  if (!r.ok) {
    const n = (waits.get(key) ?? 0) + 1;
    waits.set(key, n);
    const reason = REFUSALS[r.reason];
    const message = `trials are ${kind} (${apiVersion}), which the controller cannot use yet: ${r.detail}; it looks again with backoff`;
    if (status.reason !== reason || status.message !== message) {
      const conditions = setCondition(status.conditions ?? [], { type: TRIAL_KIND_CONDITION, status: "False", reason, message }, now);
      await d.api.patchJobStatus(namespace, name, { phase: status.phase ?? "Pending", reason, message, conditions });
      void d.api.event({ kind: "TuningJob", apiVersion: GROUP_VERSION, namespace, name, uid: job.metadata.uid }, "Warning", reason, message).catch(() => undefined);
      d.log.warn("a job's trial kind is not usable; waiting for it", { namespace, job: name, apiVersion, kind, reason, detail: r.detail });
    }
    return { ok: false, requeueAfterMs: backoffMs(n, 1000, MAX_RECHECK_MS) };
  }
  waits.delete(key);
  const available = status.conditions?.find((c) => c.type === TRIAL_KIND_CONDITION);
  if (isRefusalReason(status.reason) || available?.status === "False") {
    const conditions = setCondition(status.conditions ?? [], { type: TRIAL_KIND_CONDITION, status: "True", reason: "KindAvailable", message: `trials are ${r.resource.resource}.${r.resource.group}` }, now);
    await d.api.patchJobStatus(namespace, name, { conditions }, ["reason", "message"]);
    job.status = { ...status, conditions };
    delete job.status.reason;
    delete job.status.message;
    d.log.info("a job's trial kind is available now", { namespace, job: name, apiVersion, kind });
  }
  // Before the first list of the kind's cache, a missing resource means nothing.
  if (!d.workloads?.synced(r.resource)) return { ok: false, requeueAfterMs: 200 };
  return { ok: true, workload: { resource: r.resource, template: t, conditions: trialConditions(t) } };
}
