import type { TrialView } from "../../engine/job.ts";
import { isFinished } from "../../engine/job.ts";
import { forEachLimit } from "../limit.ts";
import { reportKeySecretName, trialObject, trialSecret } from "../objects.ts";
import { createdSummary, sameJson } from "../status.ts";
import { event, fail } from "./act.ts";
import { WRITES_IN_FLIGHT, type Deps, type JobObject } from "./deps.ts";
import type { JobRuntime } from "./runtime.ts";
import { createTrialObject, trialObjectName, trialObjectOf } from "./trial-objects.ts";

/** Trials one reconcile creates at most; the rest follow in the next one, queued at once. */
const CREATES_PER_RECONCILE = 32;

/** Recreates Trial objects deleted by hand, with their status, so every trial stays on record (its Pod went with it). */
export async function restoreDeleted(d: Deps, rt: JobRuntime, job: JobObject): Promise<void> {
  for (const v of rt.tuner.trials()) {
    if (d.trials.get(rt.namespace, v.name)) {
      rt.trialSeen.add(v.name);
      continue;
    }
    if (!rt.trialSeen.delete(v.name)) continue;
    d.log.warn("Trial was deleted by hand; recreating it", { namespace: rt.namespace, job: rt.name, trial: v.name });
    rt.trialUids.delete(v.name);
    rt.written.delete(v.name);
    const r = await d.api.createTrial(trialObject(job, v));
    if (r.ok) rt.trialUids.set(v.name, r.object.uid);
  }
}

/** Makes sure the trial has its Trial object (ours, not a stranger's of the same name); `ok` is false while it has none. */
async function ensureTrialObject(d: Deps, rt: JobRuntime, job: JobObject, v: TrialView, created: TrialView[]): Promise<{ ok: boolean; wake?: number }> {
  const cached = d.trials.get(rt.namespace, v.name) as { metadata?: { uid?: string }; spec?: { params?: unknown } } | undefined;
  if (cached?.spec && !sameJson(cached.spec.params, v.params)) {
    // Never adopt someone else's trial: its results would be overwritten with this one's.
    rt.trialUids.delete(v.name);
    fail(d, rt, { phase: "Failed", reason: "Interrupted", message: `Trial ${v.name} already exists with other parameters and is not this job's (made by hand or by another tool?); delete it or re-apply the job under another name` });
    return { ok: false };
  }
  if (cached?.metadata?.uid) rt.trialUids.set(v.name, cached.metadata.uid);
  if (rt.trialUids.has(v.name)) return { ok: true };
  const r = await d.api.createTrial(trialObject(job, v));
  if (r.ok) {
    rt.trialUids.set(v.name, r.object.uid);
    created.push(v);
    d.log.info("trial created", { namespace: rt.namespace, job: rt.name, trial: v.name, params: JSON.stringify(v.params) });
    return { ok: true };
  }
  // Already there but not in the cache yet: look again shortly.
  if (r.reason === "exists") return { ok: false, wake: 500 };
  fail(d, rt, { phase: "Failed", reason: "InvalidTrialTemplate", message: `the API server refused Trial ${v.name}: ${r.detail}` });
  return { ok: false };
}

/** Whether the trial's Pod (of its current attempt) or resource exists or was created (the cache may lag behind). */
function hasObject(d: Deps, rt: JobRuntime, v: TrialView): boolean {
  return rt.podsCreated.has(trialObjectName(rt, v)) || trialObjectOf(d, rt, v) !== undefined;
}

/** Creates the trial's report-key Secret (when reports are signed) and then the Pod of its current attempt, unless it has one. */
async function ensurePod(d: Deps, rt: JobRuntime, job: JobObject, v: TrialView): Promise<void> {
  const uid = rt.trialUids.get(v.name) as string;
  if (hasObject(d, rt, v)) return;
  const trial = { name: v.name, namespace: rt.namespace, uid };
  // The key's Secret before the Pod that reads it. An existing one (a create whose answer was lost, or
  // a previous controller's) holds the same derived key; the controller cannot read it to check.
  let secret: string | undefined;
  if (d.reportKey) {
    const s = await d.api.createSecret(trialSecret(rt.name, trial, d.reportKey({ namespace: rt.namespace, job: rt.name, trial: v.name, uid })));
    if (!s.ok && s.reason === "invalid") {
      const message = `the API server refused the report-key Secret of trial ${v.name}: ${s.detail}; the controller needs the create verb on secrets in namespace ${rt.namespace} (the chart's ClusterRole grants it)`;
      rt.tuner.exited(v.name, { ok: false, reason: message });
      fail(d, rt, { phase: "Failed", reason: "Interrupted", message });
      return;
    }
    secret = reportKeySecretName(trial);
  }
  const r = await createTrialObject(d, rt, job, trial, v, secret);
  if (!r.ok && r.reason === "invalid") {
    const message = `the API server refused the ${rt.workload?.template.resource.kind ?? "Pod"} of trial ${v.name}: ${r.detail}`;
    rt.tuner.exited(v.name, { ok: false, reason: message });
    fail(d, rt, { phase: "Failed", reason: "InvalidTrialTemplate", message });
    return;
  }
  rt.podsCreated.add(trialObjectName(rt, v));
  if (r.ok) d.log.debug("trial Pod created", { namespace: rt.namespace, job: rt.name, trial: v.name, object: trialObjectName(rt, v) });
}

/**
 * Makes sure every unfinished, unstopped trial has its Trial object and exactly one Pod for its current attempt, WRITES_IN_FLIGHT
 * creates at a time. Returns when to reconcile again: 0 when more trials wait to be created.
 */
export async function ensureTrials(d: Deps, rt: JobRuntime, job: JobObject): Promise<number | undefined> {
  let wake: number | undefined;
  const created: TrialView[] = [];
  const ensureOne = async (v: TrialView): Promise<void> => {
    // Checked per trial: a refusal of an earlier one ends the job, and nothing more is created.
    if (rt.fatal || rt.tuner.ended()) return;
    const t = await ensureTrialObject(d, rt, job, v, created);
    if (t.wake !== undefined) wake = t.wake;
    if (!t.ok || rt.fatal || rt.tuner.ended()) return;
    await ensurePod(d, rt, job, v);
  };
  const todo = rt.tuner.trials().filter((v) => !isFinished(v.phase) && !rt.stops.has(v.name) && !(rt.trialUids.has(v.name) && hasObject(d, rt, v)));
  // A wide job launches in slices, each followed by its status writes and an immediate requeue, so
  // one reconcile stays short and other events for this job are not held up behind 1000 creates.
  await forEachLimit(todo.slice(0, CREATES_PER_RECONCILE), WRITES_IN_FLIGHT, ensureOne);
  // One Event per slice on the job, not one per Trial: each Event is an API write (the params are on the Trials).
  if (created.length > 0) event(d, rt, "TuningJob", rt.name, "Normal", "TrialsCreated", createdSummary(created));
  if (rt.fatal) return undefined;
  return todo.length > CREATES_PER_RECONCILE ? 0 : wake;
}
