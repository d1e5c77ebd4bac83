import type { Trial } from "../api/trial.ts";
import { jsonClient, type JsonCall } from "../kube/http.ts";
import type { PooledKubeConfig } from "../kube/kubeconfig.ts";
import { API_GROUP, API_VERSION, JOB_LABEL, PLURALS } from "../kube/objects.ts";
import type { Results } from "../local/results.ts";
import { describeFailure, type Failure } from "./api-failure.ts";
import { clusterResults, jobTrials, noTrials, parseClusterJob, type ClusterJob } from "./cluster-results.ts";

/** A cluster job read into results.json's model, with the objects it came from. */
export type ClusterJobRead = { ok: true; results: Results; job: ClusterJob; trials: Trial[]; skipped: string[] } | Failure;

/** Trials listed per request: a job's Trials are read in pages so a large job never makes one huge answer. */
const PAGE = 250;

const base = (namespace: string): string => `/apis/${API_GROUP}/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}`;

/** Every Trial object labelled with the job's name, page by page. */
async function listTrials(call: JsonCall, namespace: string, job: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let next: string | undefined;
  do {
    const q = new URLSearchParams({ labelSelector: `${JOB_LABEL}=${job}`, limit: String(PAGE), ...(next ? { continue: next } : {}) });
    const page = (await call("GET", `${base(namespace)}/${PLURALS.trial}?${q}`)) as { items?: unknown; metadata?: { continue?: unknown } } | undefined;
    if (Array.isArray(page?.items)) items.push(...(page.items as unknown[]));
    next = typeof page?.metadata?.continue === "string" && page.metadata.continue !== "" ? page.metadata.continue : undefined;
  } while (next !== undefined);
  return items;
}

/**
 * Reads TuningJob `name` in `namespace` and its Trials into the results model a local `kubetune run`
 * writes (results.json); fails with one line naming what is wrong: no cluster, no RBAC, an unknown
 * job, a job with no Trials.
 */
export async function readClusterJob(kc: PooledKubeConfig, namespace: string, name: string, call: JsonCall = jsonClient(kc)): Promise<ClusterJobRead> {
  const server = kc.getCurrentCluster()?.server ?? "(no server)";
  let raw: unknown;
  try {
    raw = await call("GET", `${base(namespace)}/${PLURALS.job}/${encodeURIComponent(name)}`);
  } catch (e) {
    return describeFailure(e, { verb: "get", resource: PLURALS.job, namespace, name, server });
  }
  const parsed = parseClusterJob(raw);
  if (!parsed.ok) return parsed;
  let objects: unknown[];
  try {
    objects = await listTrials(call, namespace, name);
  } catch (e) {
    return describeFailure(e, { verb: "list", resource: PLURALS.trial, namespace, server });
  }
  const { trials, skipped } = jobTrials(parsed.job, objects);
  if (trials.length === 0) return noTrials(parsed.job);
  return { ok: true, results: clusterResults(parsed.job, trials), job: parsed.job, trials, skipped };
}
