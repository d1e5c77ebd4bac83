import type { KubernetesObject } from "@kubernetes/client-node";
import { startCache, type Cache } from "../kube/informers.ts";
import { jsonClient } from "../kube/http.ts";
import type { PooledKubeConfig } from "../kube/kubeconfig.ts";
import { API_GROUP, API_VERSION, PLURALS } from "../kube/objects.ts";
import type { Logger } from "../telemetry/log.ts";
import { describeFailure, type Failure } from "./api-failure.ts";
import { clusterResults, jobTrials, noTrials, parseClusterJob } from "./cluster-results.ts";
import { jobPayload, jobRow, type JobPayload, type JobRow } from "./dashboard-payload.ts";

/** What the dashboard server shows: one namespace's jobs, kept current by watches. */
export interface DashboardSource {
  namespace: string;
  /** The job list, by name. */
  jobs(): JobRow[] | Failure;
  /** One job's view, or why it cannot be shown. */
  job(name: string): JobPayload | Failure;
  /** Calls `fn` after anything changed (an object, or the cluster's reachability); returns the unsubscribe. */
  onChange(fn: () => void): () => void;
  stop(): Promise<void>;
}

/** How often the cluster is asked again while it refuses or cannot be reached. */
const PROBE_MS = 3000;

/** A Logger that hands watch failures to `onFailure` (the source describes them itself, in one line) and drops the rest. */
function failureLogger(onFailure: () => void): Logger {
  const self: Logger = { debug() {}, info() {}, warn: () => onFailure(), error: () => onFailure(), with: () => self };
  return self;
}

/**
 * Watches TuningJobs and Trials in `namespace` with the user's kubeconfig (informers: list, then watch).
 * A refusal (403), an unreachable server or missing CRDs shows as the source's failure until a probe
 * succeeds again; `log` gets one line each time that failure changes.
 */
export function watchNamespace(kc: PooledKubeConfig, namespace: string, log: (line: string) => void): DashboardSource {
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const fn of listeners) fn();
  };
  const call = jsonClient(kc);
  const server = kc.getCurrentCluster()?.server ?? "(no server)";
  let failure: Failure | undefined;
  let probing = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const setFailure = (f: Failure | undefined): void => {
    if (f?.detail === failure?.detail) return;
    failure = f;
    log(f ? `✗ ${f.detail}` : `✓ reading namespace "${namespace}" from ${server}`);
    changed();
  };
  const probe = async (): Promise<void> => {
    if (probing || stopped) return;
    probing = true;
    let f: Failure | undefined;
    for (const plural of [PLURALS.job, PLURALS.trial]) {
      try {
        await call("GET", `/apis/${API_GROUP}/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${plural}?limit=1`);
      } catch (e) {
        f = describeFailure(e, { verb: "list", resource: plural, namespace, server });
        break;
      }
    }
    probing = false;
    if (stopped) return;
    setFailure(f);
    clearTimeout(timer);
    if (f) timer = setTimeout(() => void probe(), PROBE_MS);
  };
  const logger = failureLogger(() => void probe());
  const jobs: Cache<KubernetesObject> = startCache(kc, "tuningjobs", [namespace], changed, logger);
  const trials: Cache<KubernetesObject> = startCache(kc, "trials", [namespace], changed, logger);
  void probe();
  const loading: Failure = { ok: false, reason: "loading", detail: `reading TuningJobs in namespace "${namespace}" from ${server}…` };
  return {
    namespace,
    jobs: () => failure ?? (jobs.synced() ? jobs.list(namespace).map(jobRow).sort((a, b) => a.name.localeCompare(b.name)) : loading),
    job: (name) => {
      if (failure) return failure;
      if (!jobs.synced() || !trials.synced()) return loading;
      const raw = jobs.get(namespace, name);
      if (raw === undefined) return { ok: false, reason: "not_found", detail: `TuningJob "${name}" not found in namespace "${namespace}" (kubectl get tuningjobs -n ${namespace} lists them)` };
      const parsed = parseClusterJob(raw);
      if (!parsed.ok) return parsed;
      const { trials: owned } = jobTrials(parsed.job, trials.list(namespace));
      if (owned.length === 0) return noTrials(parsed.job);
      return jobPayload(namespace, clusterResults(parsed.job, owned));
    },
    onChange: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([jobs.stop(), trials.stop()]);
    },
  };
}
