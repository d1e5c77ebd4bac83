import type { KubernetesObject, V1Pod } from "@kubernetes/client-node";
import { z } from "zod";
import { GROUP_VERSION } from "../api/meta.ts";
import type { MetricMessage, TrialAddress } from "../api/metrics.ts";
import type { KeyedTrial } from "../api/report-signature.ts";
import type { Trial, TrialStatus } from "../api/trial.ts";
import { TuningJob, type TuningJobStatus } from "../api/tuningjob.ts";
import { isFinished, type JobEnd, type TrialView } from "../engine/job.ts";
import { createTuner, type Action, type ReportMode } from "../engine/tuner.ts";
import type { MetricsTarget, TrialAdmission } from "../ingest/metrics-target.ts";
import { errorText, type Logger } from "../telemetry/log.ts";
import type { ControllerMetrics } from "../telemetry/metrics.ts";
import { isRefusal, type ApiCallError, type KubeApi } from "./api.ts";
import type { Cache } from "./informers.ts";
import { JOB_LABEL, finishedOrder, parseTrial, podOutcome, reportKeySecretName, trialObject, trialPod, trialSecret, trialViewOf } from "./objects.ts";
import { forEachLimit } from "./limit.ts";
import type { JobRuntime } from "./runtime.ts";
import type { TrialDefaults } from "./trial-defaults.ts";
import { boundedText, createdSummary, jobStatus, pendingStop, sameJson, saysOnlyPending, shownPhase, trialStatus } from "./status.ts";
import type { Outcome } from "./workqueue.ts";

/** What the reconciler works with. */
export interface ReconcilerDeps {
  api: KubeApi;
  jobs: Cache<KubernetesObject>;
  trials: Cache<KubernetesObject>;
  pods: Cache<KubernetesObject>;
  /** NATS URL given to trial Pods (KUBETUNE_NATS_URL). */
  trialNatsUrl: string;
  /** Cluster-wide defaults for trial Pods (image, GPU resources, node placement). */
  trialDefaults?: TrialDefaults;
  /** A trial's report key (api/report-signature.ts); without it trials get no key and report unsigned. */
  reportKey?: (t: KeyedTrial) => string;
  /** Publishes a stop request on the trial's control subject. */
  publishStop(a: TrialAddress, reason: string): Promise<void>;
  /** Whether every metric report of this trial published before `time` has been applied (see Ingest). */
  caughtUp(a: TrialAddress, time: number): Promise<boolean>;
  enqueue(key: string): void;
  metrics: ControllerMetrics;
  log: Logger;
  /** How long a stopped trial's Pod may take to exit before it is deleted. */
  stopGraceMs: number;
  /** Longest wait for a finished Pod's last reports before judging it. */
  settleMs: number;
  /** Every informer has listed once; before that a missing Pod or Trial means nothing. */
  synced(): boolean;
  now?: () => number;
}

/** The controller's job logic: reconcile a job, and serve the metric ingestion. */
export interface Reconciler {
  reconcile(key: string): Promise<Outcome>;
  trialState(a: TrialAddress): TrialAdmission["state"];
  knownMetrics(a: TrialAddress): Readonly<Record<string, number>> | undefined;
  trialUid(a: TrialAddress): string | undefined;
  report(a: TrialAddress, m: MetricMessage, mode?: ReportMode): void;
  persist(keys: ReadonlySet<string>): Promise<void>;
}

/** The reconciler as ingest's MetricsTarget. */
export function metricsTargetOf(r: Reconciler): MetricsTarget {
  return {
    admission: (a) => {
      const state = r.trialState(a);
      return state === "running" ? { state, uid: r.trialUid(a), metrics: r.knownMetrics(a) } : { state };
    },
    apply: (a, m, mode) => r.report(a, m, mode),
    persist: (keys) => r.persist(keys),
  };
}

/**
 * API writes (creates, status patches) one reconcile has in flight at once. Sequential calls cap a job
 * at one trial per two round trips; a few in parallel let a wide job launch at the API server's pace
 * without flooding it.
 */
const CREATE_CONCURRENCY = 16;
/** Trials one reconcile creates at most; the rest follow in the next one, queued at once. */
const CREATES_PER_RECONCILE = 32;

type JobObject = TuningJob & { metadata: { name: string; namespace: string; uid: string; generation?: number } };

const JobMeta = z.looseObject({ metadata: z.looseObject({ name: z.string(), namespace: z.string(), uid: z.string(), generation: z.number().optional() }) });

/** Creates the reconciler; `reconcile` must not run twice at once for one key (the work queue ensures it). */
export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const { api, log, metrics } = deps;
  const now = deps.now ?? Date.now;
  const runtimes = new Map<string, JobRuntime>();
  const phases = new Map<string, string>();
  /** The objective metric of each job with gauges (the label to remove them by once the job is deleted). */
  const gaugedMetric = new Map<string, string>();
  const countPhases = (): void => {
    const counts: Record<string, number> = { Pending: 0, Running: 0, Succeeded: 0, Failed: 0 };
    for (const p of phases.values()) counts[p] = (counts[p] ?? 0) + 1;
    for (const [phase, n] of Object.entries(counts)) metrics.jobsByPhase.set({ phase }, n);
  };
  /** Exports a job's gauges from its status: its phase among the jobs, its trials by phase, its best value. */
  const exportGauges = (namespace: string, job: string, metric: string, phase: string, status: TuningJobStatus | undefined): void => {
    const key = `${namespace}/${job}`;
    phases.set(key, phase);
    countPhases();
    gaugedMetric.set(key, metric);
    // Label values are the keys of the job's status.trials counts (docs/metrics.md).
    for (const [p, n] of Object.entries(status?.trials ?? {})) metrics.trialsByPhase.set({ namespace, job, phase: p }, n);
    const best = status?.bestTrial?.value;
    if (best !== undefined) metrics.bestObjective.set({ namespace, job, metric }, best);
  };
  const locks = new Map<string, Promise<void>>();

  const withLock = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => mine);
    locks.set(key, chained);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (locks.get(key) === chained) locks.delete(key);
    }
  };

  const iso = (): string => new Date(now()).toISOString();

  const ownedTrials = (ns: string, job: string, uid: string): Trial[] => {
    const out: Trial[] = [];
    for (const raw of deps.trials.list(ns)) {
      if (raw.metadata?.labels?.[JOB_LABEL] !== job) continue;
      if (!(raw.metadata.ownerReferences ?? []).some((o) => o.uid === uid)) continue;
      const t = parseTrial(raw);
      if (t instanceof Error) log.warn("ignoring a malformed Trial", { namespace: ns, job, error: t.message });
      else out.push(t);
    }
    return out;
  };

  const event = (rt: JobRuntime, kind: "TuningJob" | "Trial", name: string, type: "Normal" | "Warning", reason: string, message: string): void => {
    const uid = kind === "TuningJob" ? rt.uid : rt.trialUids.get(name);
    api.event({ kind, apiVersion: GROUP_VERSION, namespace: rt.namespace, name, ...(uid ? { uid } : {}) }, type, reason, message).catch((e: unknown) => log.warn("recording an Event failed", { job: rt.name, namespace: rt.namespace, reason, error: errorText(e) }));
  };

  const requestStop = (rt: JobRuntime, trial: string, reason: string, early: boolean): void => {
    if (rt.stops.has(trial)) return;
    rt.stops.set(trial, { reason, at: iso() });
    deps.publishStop({ namespace: rt.namespace, job: rt.name, trial }, reason).catch((e: unknown) => log.warn("publishing a stop request failed; the Pod will be deleted after the grace period", { job: rt.name, trial, error: errorText(e) }));
    if (early) {
      metrics.earlyStops.inc({ namespace: rt.namespace, job: rt.name });
      event(rt, "Trial", trial, "Normal", "EarlyStopped", reason);
    }
    log.info(early ? "trial stopped early" : "stopping trial", { namespace: rt.namespace, job: rt.name, trial, reason });
  };

  const apply = (rt: JobRuntime, actions: readonly Action[]): void => {
    for (const a of actions) {
      if (a.type === "stop") requestStop(rt, a.trial, a.reason, true);
      else if (a.type === "end") {
        for (const t of a.stop) requestStop(rt, t, `the job ended (${a.end.reason})`, false);
        event(rt, "TuningJob", rt.name, a.end.phase === "Succeeded" ? "Normal" : "Warning", `Job${a.end.phase}`, `${a.end.reason}: ${a.end.message}`);
        log.info("job finished", { namespace: rt.namespace, job: rt.name, phase: a.end.phase, reason: a.end.reason, message: a.end.message });
      }
    }
  };

  const build = (job: JobObject): JobRuntime => {
    const { name, namespace, uid } = job.metadata;
    const stored = ownedTrials(namespace, name, uid);
    const order = finishedOrder(stored);
    // A stop still in progress (its Pod has not exited, or its last reports are settling) stays one: the
    // trial is unfinished, stopped, and ends EarlyStopped once it has exited and its reports are in.
    const stops: Record<string, string> = {};
    const views = stored.map((t): TrialView => {
      const v = trialViewOf(t);
      const stopping = pendingStop(t.status);
      if (stopping !== undefined) {
        stops[v.name] = stopping;
        return { ...v, phase: "Running" };
      }
      const o = order.get(t.metadata.name);
      return o === undefined ? v : { ...v, finishedOrder: o };
    });
    const rt: JobRuntime = {
      key: `${namespace}/${name}`,
      namespace,
      name,
      uid,
      generation: job.metadata.generation ?? 0,
      spec: job.spec,
      // Stored curves count as judged: a restart takes no new decision from history, only from new reports.
      tuner: createTuner({ job: name, spec: job.spec, trials: views, unfinished: "keep", stops }),
      stops: new Map(),
      exitSeenAt: new Map(),
      awaitingReports: new Set(),
      decided: false,
      podSeen: new Set(),
      podsCreated: new Set(),
      trialSeen: new Set(stored.map((t) => t.metadata.name)),
      trialUids: new Map(),
      counted: new Set(),
      written: new Map(),
      writtenFrom: new Map(),
      reported: new Set(),
    };
    for (const t of stored) {
      const tn = t.metadata.name;
      if (t.metadata.uid) rt.trialUids.set(tn, t.metadata.uid);
      if (t.status) rt.written.set(tn, t.status);
      const stopping = stops[tn];
      if (stopping !== undefined) {
        rt.podSeen.add(tn);
        rt.stops.set(tn, { reason: stopping, at: t.status?.completionTime ?? iso() });
        // Sent again in case the first was lost with its controller (a trial that already stopped ignores it).
        deps.publishStop({ namespace, job: name, trial: tn }, stopping).catch((e: unknown) => log.warn("publishing a stop request failed; the Pod will be deleted after the grace period", { job: name, trial: tn, error: errorText(e) }));
      } else if (t.status?.phase && isFinished(t.status.phase)) rt.counted.add(tn);
      else if (t.status?.phase === "Running") rt.podSeen.add(tn);
    }
    log.info("job state rebuilt from its Trials", { namespace, job: name, trials: stored.length, finished: rt.counted.size, stopping: rt.stops.size });
    return rt;
  };

  /** A spec edit (only budget may change) rebuilds the engine from its own live state, keeping unsaved reports. */
  const respec = (rt: JobRuntime, job: JobObject): void => {
    const live = rt.tuner.trials().map((v): TrialView => ({ ...v, curve: [...v.curve], metrics: { ...v.metrics } }));
    // Stops in progress stay in progress, as a restart would read them from their Trials.
    const stops = Object.fromEntries(live.filter((v) => !isFinished(v.phase) && rt.stops.has(v.name)).map((v) => [v.name, rt.stops.get(v.name)?.reason ?? ""]));
    rt.tuner = createTuner({ job: rt.name, spec: job.spec, trials: live, unfinished: "keep", stops });
    rt.spec = job.spec;
    rt.generation = job.metadata.generation ?? 0;
    log.info("job spec changed; engine rebuilt with the new budget", { namespace: rt.namespace, job: rt.name, generation: rt.generation });
  };

  const fail = (rt: JobRuntime, end: JobEnd): void => {
    if (rt.fatal || rt.tuner.ended()) return;
    rt.fatal = end;
    apply(rt, rt.tuner.interrupt(end.message).map((a) => (a.type === "end" ? { ...a, end } : a)));
  };

  /** Reads Pods into the engine: started, exited (after its last reports arrived), deleted. */
  const observePods = async (rt: JobRuntime): Promise<number | undefined> => {
    let wake: number | undefined;
    const soon = (ms: number): void => {
      wake = wake === undefined ? ms : Math.min(wake, ms);
    };
    /**
     * Whether a trial whose Pod is gone or exited is still waiting for its last reports: every report it
     * published must be applied before it is judged (a stopped trial's tail too), for at most settleMs.
     * Not even a final report short-cuts this: earlier reports may still be due for redelivery.
     */
    const settling = async (trial: string): Promise<boolean> => {
      const first = rt.exitSeenAt.get(trial) ?? now();
      rt.exitSeenAt.set(trial, first);
      if (now() - first >= deps.settleMs) return false;
      if (await deps.caughtUp({ namespace: rt.namespace, job: rt.name, trial }, first).catch(() => false)) return false;
      rt.awaitingReports.add(trial);
      soon(500);
      return true;
    };
    for (const v of rt.tuner.trials()) {
      rt.awaitingReports.delete(v.name);
      if (isFinished(v.phase)) continue;
      const pod = deps.pods.get(rt.namespace, v.name) as V1Pod | undefined;
      const stop = rt.stops.get(v.name);
      if (!pod) {
        if (!stop && !rt.podSeen.has(v.name)) continue;
        if (await settling(v.name)) continue;
        rt.tuner.exited(v.name, stop ? { ok: true } : { ok: false, reason: "its Pod was deleted before the trial finished" });
        continue;
      }
      rt.podSeen.add(v.name);
      const o = podOutcome(pod);
      if (o.state === "running") rt.tuner.started(v.name);
      if (o.state === "exited") {
        if (await settling(v.name)) continue;
        rt.tuner.exited(v.name, stop || o.ok ? { ok: true } : { ok: false, reason: o.reason ?? "the Pod failed" });
        continue;
      }
      if (stop && !pod.metadata?.deletionTimestamp) {
        const due = Date.parse(stop.at) + deps.stopGraceMs - now();
        if (due <= 0) {
          log.info("deleting the Pod of a stopped trial after its grace period", { namespace: rt.namespace, job: rt.name, trial: v.name });
          void api.deletePod(rt.namespace, v.name).catch((e: unknown) => log.warn("deleting a stopped trial's Pod failed", { trial: v.name, error: errorText(e) }));
          soon(1000);
        } else soon(due);
      }
    }
    return wake;
  };

  /** Recreates Trial objects deleted by hand, with their status, so every trial stays on record (its Pod went with it). */
  const restoreDeleted = async (rt: JobRuntime, job: JobObject): Promise<void> => {
    for (const v of rt.tuner.trials()) {
      if (deps.trials.get(rt.namespace, v.name)) {
        rt.trialSeen.add(v.name);
        continue;
      }
      if (!rt.trialSeen.delete(v.name)) continue;
      log.warn("Trial was deleted by hand; recreating it", { namespace: rt.namespace, job: rt.name, trial: v.name });
      rt.trialUids.delete(v.name);
      rt.written.delete(v.name);
      const r = await api.createTrial(trialObject(job, v));
      if (r.kind === "created") rt.trialUids.set(v.name, r.object.uid);
    }
  };

  /** Makes sure every unfinished, unstopped trial has its Trial object and exactly one Pod; creates run CREATE_CONCURRENCY at a time. */
  const ensureTrials = async (rt: JobRuntime, job: JobObject): Promise<number | undefined> => {
    let wake: number | undefined;
    const created: TrialView[] = [];
    const ensureOne = async (v: TrialView): Promise<void> => {
      // Checked per trial: a refusal of an earlier one ends the job, and nothing more is created.
      if (rt.fatal || rt.tuner.ended()) return;
      const cached = deps.trials.get(rt.namespace, v.name) as { metadata?: { uid?: string }; spec?: { params?: unknown } } | undefined;
      if (cached?.spec && !sameJson(cached.spec.params, v.params)) {
        // Never adopt someone else's trial: its results would be overwritten with this one's.
        rt.trialUids.delete(v.name);
        fail(rt, { phase: "Failed", reason: "Interrupted", message: `Trial ${v.name} already exists with other parameters and is not this job's (made by hand or by another tool?); delete it or re-apply the job under another name` });
        return;
      }
      if (cached?.metadata?.uid) rt.trialUids.set(v.name, cached.metadata.uid);
      if (!rt.trialUids.has(v.name)) {
        const r = await api.createTrial(trialObject(job, v));
        if (r.kind === "created") {
          rt.trialUids.set(v.name, r.object.uid);
          created.push(v);
          log.info("trial created", { namespace: rt.namespace, job: rt.name, trial: v.name, params: JSON.stringify(v.params) });
        } else if (r.kind === "exists") {
          wake = 500;
          return;
        } else {
          fail(rt, { phase: "Failed", reason: "InvalidTrialTemplate", message: `the API server refused Trial ${v.name}: ${r.message}` });
          return;
        }
      }
      if (rt.fatal || rt.tuner.ended()) return;
      const uid = rt.trialUids.get(v.name) as string;
      if (deps.pods.get(rt.namespace, v.name) || rt.podsCreated.has(v.name)) return;
      const trial = { name: v.name, namespace: rt.namespace, uid };
      // The key's Secret before the Pod that reads it. An existing one (a create whose answer was lost, or
      // a previous controller's) holds the same derived key; the controller cannot read it to check.
      let secret: string | undefined;
      if (deps.reportKey) {
        const s = await api.createSecret(trialSecret(rt.name, trial, deps.reportKey({ namespace: rt.namespace, job: rt.name, trial: v.name, uid })));
        if (s.kind === "invalid") {
          const message = `the API server refused the report-key Secret of trial ${v.name}: ${s.message}; the controller needs the create verb on secrets in namespace ${rt.namespace} (the chart's ClusterRole grants it)`;
          rt.tuner.exited(v.name, { ok: false, reason: message });
          fail(rt, { phase: "Failed", reason: "Interrupted", message });
          return;
        }
        secret = reportKeySecretName(trial);
      }
      const r = await api.createPod(trialPod(job, trial, v, deps.trialNatsUrl, deps.trialDefaults, secret));
      if (r.kind === "invalid") {
        const message = `the API server refused the Pod of trial ${v.name}: ${r.message}`;
        rt.tuner.exited(v.name, { ok: false, reason: message });
        fail(rt, { phase: "Failed", reason: "InvalidTrialTemplate", message });
        return;
      }
      rt.podsCreated.add(v.name);
      if (r.kind === "created") log.debug("trial Pod created", { namespace: rt.namespace, job: rt.name, trial: v.name });
    };
    const todo = rt.tuner.trials().filter((v) => !isFinished(v.phase) && !rt.stops.has(v.name) && !(rt.trialUids.has(v.name) && (rt.podsCreated.has(v.name) || deps.pods.get(rt.namespace, v.name))));
    // A wide job launches in slices, each followed by its status writes and an immediate requeue, so
    // one reconcile stays short and other events for this job are not held up behind 1000 creates.
    await forEachLimit(todo.slice(0, CREATES_PER_RECONCILE), CREATE_CONCURRENCY, ensureOne);
    // One Event per slice on the job, not one per Trial: each Event is an API write (the params are on the Trials).
    if (created.length > 0) event(rt, "TuningJob", rt.name, "Normal", "TrialsCreated", createdSummary(created));
    if (rt.fatal) return undefined;
    return todo.length > CREATES_PER_RECONCILE ? 0 : wake;
  };

  /** What a trial's status is computed from besides its reports: with no report since, the same key gives the same status. */
  const writtenFromOf = (v: TrialView | undefined, stop: { reason: string } | undefined): string => `${v?.phase ?? ""}\n${v?.reason ?? ""}\n${stop?.reason ?? ""}`;

  /**
   * A Trial status the API server refuses for its content (too large, invalid) would be refused again
   * on every retry: the trial fails with the refusal as its reason, its Pod is deleted, and a status
   * without the refused content (the last one stored, with the new phase and reason) is written once.
   */
  const statusRefused = async (rt: JobRuntime, trial: string, e: ApiCallError): Promise<void> => {
    const refusal = `the API server refused the trial's status (HTTP ${e.code}): ${e.detail}`;
    log.error("a Trial status was refused; the trial fails", { namespace: rt.namespace, job: rt.name, trial, code: e.code, error: e.message });
    rt.tuner.exited(trial, { ok: false, reason: refusal });
    rt.decided = true;
    const v = rt.tuner.trial(trial);
    const stop = rt.stops.get(trial);
    const previous = rt.written.get(trial);
    const status: TrialStatus = { ...(previous ?? {}), phase: v?.phase ?? "Failed", podName: trial, reason: boundedText(v?.reason ?? refusal), message: boundedText(refusal), completionTime: previous?.completionTime ?? iso() };
    if (!status.startTime) status.startTime = status.completionTime as string;
    // The Pod is deleted at once; the stop request only lets the trainer say why before it goes.
    deps.publishStop({ namespace: rt.namespace, job: rt.name, trial }, refusal).catch(() => undefined);
    void api.deletePod(rt.namespace, trial).catch((err: unknown) => log.warn("deleting a failed trial's Pod failed", { trial, error: errorText(err) }));
    try {
      await api.patchTrialStatus(rt.namespace, trial, status);
    } catch (err) {
      // Not even the stored status with a new reason passes: record it as written, never retry it.
      if (!isRefusal(err)) throw err;
      log.error("the failed trial's status was refused too; it stays as last stored", { namespace: rt.namespace, job: rt.name, trial, error: err.message });
    }
    rt.written.set(trial, status);
    rt.writtenFrom.set(trial, writtenFromOf(v, stop));
    deps.enqueue(rt.key);
  };

  /** Patches Trial statuses that changed, then the job status; counts finished trials once. */
  const writeStatuses = async (rt: JobRuntime, jobStatusNow: TuningJobStatus | undefined, generation: number | undefined): Promise<void> => {
    const o = rt.spec.objective;
    const names = o.additionalMetrics ? new Set([o.metric, ...o.additionalMetrics]) : null;
    const shown: TrialView[] = [];
    const patches: { name: string; status: TrialStatus; from: string }[] = [];
    const now = iso();
    for (const v of rt.tuner.trials()) {
      const stop = rt.stops.get(v.name);
      const phase = shownPhase(v, stop);
      shown.push({ ...v, phase });
      if (!rt.trialUids.has(v.name)) continue;
      const previous = rt.written.get(v.name);
      // Only reports change a trial's curve and metrics: a wide job's writes cost what changed, not every trial.
      const from = writtenFromOf(v, stop);
      if (previous && !rt.reported.has(v.name) && rt.writtenFrom.get(v.name) === from) continue;
      rt.reported.delete(v.name);
      const desired = trialStatus({ view: v, ...(stop ? { stop } : {}), ...(previous ? { previous } : {}), metricNames: names, now });
      if (!previous && saysOnlyPending(desired)) {
        // What a Trial without status already says: recorded as written, not patched.
        rt.written.set(v.name, desired);
        rt.writtenFrom.set(v.name, from);
      } else if (!sameJson(desired, previous)) patches.push({ name: v.name, status: desired, from });
      else rt.writtenFrom.set(v.name, from);
    }
    await forEachLimit(patches, CREATE_CONCURRENCY, async (p) => {
      try {
        await api.patchTrialStatus(rt.namespace, p.name, p.status);
      } catch (e) {
        if (isRefusal(e)) return statusRefused(rt, p.name, e);
        rt.reported.add(p.name);
        throw e;
      }
      rt.written.set(p.name, p.status);
      rt.writtenFrom.set(p.name, p.from);
    });
    for (const v of rt.tuner.trials()) {
      if (!rt.trialUids.has(v.name)) continue;
      if (isFinished(v.phase) && !rt.counted.has(v.name)) {
        rt.counted.add(v.name);
        metrics.trialsFinished.inc({ namespace: rt.namespace, job: rt.name, outcome: v.phase });
        // A success is on the Trial (phase, value) and in the job's counts and bestTrial; only failures warrant an Event each.
        if (v.phase === "Failed") event(rt, "Trial", v.name, "Warning", "TrialFailed", v.reason ?? "the trial failed");
      }
    }
    const end = rt.fatal ?? rt.tuner.ended();
    const best = rt.tuner.best();
    const previous = rt.jobWritten ?? jobStatusNow;
    const desired = jobStatus({ ...(previous ? { previous } : {}), ...(generation !== undefined ? { generation } : {}), trials: shown, end, ...(best ? { best } : {}), maxTrials: rt.spec.budget.maxTrials, now: iso() });
    if (!sameJson(desired, previous)) {
      await api.patchJobStatus(rt.namespace, rt.name, desired);
      rt.jobWritten = desired;
    }
    exportGauges(rt.namespace, rt.name, o.metric, desired.phase ?? "Pending", desired);
  };

  /** A finished job without live state (e.g. after a restart): export its gauges from its status, stop whatever still runs. */
  const settleFinished = async (job: JobObject): Promise<Outcome> => {
    const { namespace, name, uid } = job.metadata;
    exportGauges(namespace, name, job.spec.objective.metric, job.status?.phase ?? "Failed", job.status);
    const ended = Date.parse(job.status?.completionTime ?? "") || now();
    let wake: number | undefined;
    for (const t of ownedTrials(namespace, name, uid)) {
      const phase = t.status?.phase ?? "Pending";
      if (!isFinished(phase)) await api.patchTrialStatus(namespace, t.metadata.name, { ...(t.status ?? {}), phase: "EarlyStopped", reason: `the job ended (${job.status?.reason ?? job.status?.phase})`, completionTime: iso() });
      const pod = deps.pods.get(namespace, t.metadata.name) as V1Pod | undefined;
      if (!pod || pod.metadata?.deletionTimestamp || podOutcome(pod).state === "exited") continue;
      const due = ended + deps.stopGraceMs - now();
      if (due <= 0) await api.deletePod(namespace, t.metadata.name);
      else wake = Math.min(wake ?? due, due);
    }
    return wake === undefined ? {} : { requeueAfterMs: wake };
  };

  const reconcile = async (key: string): Promise<Outcome> => {
    const [namespace = "", name = ""] = key.split("/");
    if (!deps.synced()) return { requeueAfterMs: 200 };
    const raw = deps.jobs.get(namespace, name);
    if (!raw) {
      const metric = runtimes.get(key)?.spec.objective.metric ?? gaugedMetric.get(key);
      // A finished job loaded after a restart has gauges but no runtime.
      if (runtimes.delete(key) || phases.has(key)) {
        for (const phase of ["pending", "running", "succeeded", "failed", "earlyStopped"]) metrics.trialsByPhase.remove({ namespace, job: name, phase });
        if (metric !== undefined) metrics.bestObjective.remove({ namespace, job: name, metric });
        gaugedMetric.delete(key);
        phases.delete(key);
        countPhases();
        log.info("job deleted; its state is dropped", { namespace, job: name });
      }
      return {};
    }
    const meta = JobMeta.safeParse(raw);
    if (!meta.success) return {};
    // Being deleted (e.g. foreground deletion): the garbage collector removes its Trials; do not fight it.
    if (raw.metadata?.deletionTimestamp) return {};
    const parsed = TuningJob.safeParse(raw);
    if (!parsed.success) {
      const message = `the TuningJob is invalid: ${parsed.error.issues.map((i) => `spec.${i.path.slice(1).join(".")}: ${i.message}`).join("; ")}; fix the manifest (kubetune validate) and re-apply`;
      const status = (raw as { status?: TuningJobStatus }).status;
      const generation = meta.data.metadata.generation ?? 0;
      if (status?.phase !== "Failed" || status.message !== message || status.observedGeneration !== generation) {
        await api.patchJobStatus(namespace, name, { ...(status ?? {}), phase: "Failed", reason: "InvalidSpec", message, observedGeneration: generation, completionTime: iso() });
        void api.event({ kind: "TuningJob", apiVersion: GROUP_VERSION, namespace, name, uid: meta.data.metadata.uid }, "Warning", "InvalidSpec", message).catch(() => undefined);
      }
      return {};
    }
    const job = { ...parsed.data, metadata: { ...parsed.data.metadata, ...meta.data.metadata } } as JobObject;
    let rt = runtimes.get(key);
    if (rt && rt.uid !== job.metadata.uid) rt = undefined;
    const generation = job.metadata.generation ?? 0;
    // A job refused as InvalidSpec ran nothing; re-applied with a fix (a new generation) it runs, from a clean status.
    const fixed = job.status?.reason === "InvalidSpec" && (job.status.observedGeneration ?? 0) < generation;
    if (!rt && fixed) {
      const fresh: TuningJobStatus = { phase: "Pending", observedGeneration: generation, conditions: [] };
      await api.patchJobStatus(namespace, name, fresh, ["reason", "message", "completionTime", "startTime", "trials", "trialsCreated", "progress", "bestTrial"]);
      job.status = fresh;
      log.info("the re-applied TuningJob is valid now; running it", { namespace, job: name, generation });
    }
    if (!rt && (job.status?.phase === "Succeeded" || job.status?.phase === "Failed")) return settleFinished(job);
    if (!rt) {
      rt = build(job);
      runtimes.set(key, rt);
    } else if ((job.metadata.generation ?? 0) !== rt.generation && !rt.fatal && !rt.tuner.ended()) respec(rt, job);
    const runtime = rt;
    return withLock(key, async () => {
      runtime.decided = false;
      let wake = await observePods(runtime);
      // Record what the Pods said before asking for new trials, so it is stored whatever comes next. A job
      // without trials has nothing to record: its first status is written below, with its first trials.
      if (runtime.tuner.trials().length > 0 || runtime.fatal) await writeStatuses(runtime, job.status, job.metadata.generation);
      if (!runtime.fatal) {
        const started = performance.now();
        const actions = await runtime.tuner.next();
        if (actions.some((a) => a.type === "launch")) metrics.suggestionLatency.observe({ algorithm: runtime.spec.search.algorithm }, (performance.now() - started) / 1000);
        apply(runtime, actions);
      }
      await restoreDeleted(runtime, job);
      const more = await ensureTrials(runtime, job);
      if (more !== undefined) wake = Math.min(wake ?? more, more);
      // Exits seen this round may settle stopped trials right away.
      const again = await observePods(runtime);
      if (again !== undefined) wake = Math.min(wake ?? again, again);
      await writeStatuses(runtime, job.status, job.metadata.generation);
      // Active: a trial still to finish, other than a stopped one whose Pod is already gone.
      const active = runtime.tuner.trials().some((v) => !isFinished(v.phase) && (!runtime.stops.has(v.name) || deps.pods.get(namespace, v.name) !== undefined));
      // A slow resync for running jobs keeps the loop level-triggered even if an event is missed.
      if (active) wake = Math.min(wake ?? 30_000, 30_000);
      return wake === undefined ? {} : { requeueAfterMs: wake };
    });
  };

  return {
    reconcile,
    trialState(a) {
      const key = `${a.namespace}/${a.job}`;
      const rt = runtimes.get(key);
      if (!rt) {
        const job = deps.jobs.get(a.namespace, a.job) as { status?: TuningJobStatus } | undefined;
        if (!job) return "unknown";
        // A finished job is never loaded again; anything else is being loaded now.
        return job.status?.phase === "Succeeded" || job.status?.phase === "Failed" ? "finished" : "later";
      }
      const v = rt.tuner.trial(a.trial);
      if (!v) return "unknown";
      return isFinished(v.phase) ? "finished" : "running";
    },
    knownMetrics(a) {
      return runtimes.get(`${a.namespace}/${a.job}`)?.tuner.trial(a.trial)?.metrics;
    },
    trialUid(a) {
      return runtimes.get(`${a.namespace}/${a.job}`)?.trialUids.get(a.trial);
    },
    report(a, m, mode = "live") {
      const rt = runtimes.get(`${a.namespace}/${a.job}`);
      if (!rt) throw new Error(`job ${a.namespace}/${a.job} is not loaded`);
      const actions = rt.tuner.report(a.trial, m.step, m.metrics, mode);
      if (actions.length > 0) {
        rt.decided = true;
        apply(rt, actions);
      }
      rt.reported.add(a.trial);
    },
    async persist(keys) {
      let first = true;
      for (const key of keys) {
        // A turn of the event loop between jobs: reports that arrive meanwhile are judged (and their stops
        // sent) without waiting for every job's status writes.
        if (!first) await new Promise((resolve) => setImmediate(resolve));
        first = false;
        const rt = runtimes.get(key);
        if (!rt) continue;
        const raw = deps.jobs.get(rt.namespace, rt.name) as { status?: TuningJobStatus; metadata?: { generation?: number } } | undefined;
        await withLock(key, () => writeStatuses(rt, raw?.status, raw?.metadata?.generation));
        // Reports alone change only statuses, written just now; a reconcile is due only for what they decided.
        if (rt.decided || rt.awaitingReports.size > 0) deps.enqueue(key);
      }
    },
  };
}
