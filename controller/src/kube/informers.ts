import { CoreV1Api, CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from "@kubernetes/client-node";
import { errorText, type Logger } from "../telemetry/log.ts";
import { API_GROUP, API_VERSION, JOB_LABEL, PLURALS } from "./objects.ts";
import { backoffMs } from "../backoff.ts";

/** A cache of one resource kind over the watched namespaces. */
export interface Cache<T extends KubernetesObject> {
  get(namespace: string, name: string): T | undefined;
  list(namespace: string): T[];
  /** Every informer has finished its first list. */
  synced(): boolean;
  stop(): Promise<void>;
}

/** A resource of a named API group, e.g. batch/v1 jobs: `resource` is its plural. */
export interface GroupResource {
  group: string;
  version: string;
  resource: string;
}

/** Which resource to watch: ours, trial Pods, or the resource kind a job's trials are (labelled with their job). */
export type ResourceKind = "tuningjobs" | "trials" | "pods" | GroupResource;

/** The resource a kind is listed as, for the custom objects API. */
function groupResourceOf(kind: Exclude<ResourceKind, "pods">): GroupResource {
  if (typeof kind !== "string") return kind;
  return { group: API_GROUP, version: API_VERSION, resource: kind === "tuningjobs" ? PLURALS.job : PLURALS.trial };
}

function pathOf(kind: ResourceKind, namespace: string | null): string {
  const ns = namespace === null ? "" : `/namespaces/${namespace}`;
  if (kind === "pods") return `/api/v1${ns}/pods`;
  const r = groupResourceOf(kind);
  return `/apis/${r.group}/${r.version}${ns}/${r.resource}`;
}

/** A resource kind as logs name it. */
function nameOf(kind: ResourceKind): string {
  return typeof kind === "string" ? kind : `${kind.resource}.${kind.group}`;
}

/**
 * Drops `metadata.managedFields` in place, as client-go's TransformStripManagedFields does: the informer
 * caches the very object its handlers get, nothing here reads those fields, and they are about half of
 * a Pod's size (most of the cache with thousands of trials).
 */
export function stripManagedFields(o: KubernetesObject): void {
  if (o.metadata?.managedFields !== undefined) delete o.metadata.managedFields;
}

/**
 * Starts informers (one per watched namespace, or one cluster-wide) that list, watch, relist on 410
 * and reconnect with backoff (client-node's ListWatch); a watch that ends in any other error is
 * restarted here with backoff too, and the watch's inactivity timeout reconnects silent watches.
 */
export function startCache<T extends KubernetesObject>(kc: KubeConfig, kind: ResourceKind, namespaces: readonly string[], onChange: (obj: T) => void, log: Logger): Cache<T> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const selector = kind === "tuningjobs" ? undefined : JOB_LABEL;
  const scopes: (string | null)[] = namespaces.length === 0 ? [null] : [...namespaces];
  let stopped = false;
  const parts = scopes.map((ns) => {
    let listed = false;
    const fetchList = async (): Promise<KubernetesListObject<T>> => {
      if (kind === "pods") {
        const r = ns === null ? await core.listPodForAllNamespaces({ labelSelector: JOB_LABEL }) : await core.listNamespacedPod({ namespace: ns, labelSelector: JOB_LABEL });
        return r as unknown as KubernetesListObject<T>;
      }
      const { group, version, resource: plural } = groupResourceOf(kind);
      const r: unknown =
        ns === null
          ? await custom.listClusterCustomObject({ group, version, plural, ...(selector ? { labelSelector: selector } : {}) })
          : await custom.listNamespacedCustomObject({ group, version, namespace: ns, plural, ...(selector ? { labelSelector: selector } : {}) });
      return r as KubernetesListObject<T>;
    };
    const list = async (): Promise<KubernetesListObject<T>> => {
      const r = await fetchList();
      listed = true;
      return r;
    };
    const informer = makeInformer<T>(kc, pathOf(kind, ns), list, selector);
    let synced = false;
    let failures = 0;
    const cached = (o: T): void => {
      stripManagedFields(o);
      onChange(o);
    };
    informer.on("add", cached);
    informer.on("update", cached);
    informer.on("delete", onChange);
    informer.on("connect", () => {
      failures = 0;
    });
    const start = async (): Promise<void> => {
      if (stopped) return;
      try {
        await informer.start();
        // start() also returns when its list failed (the failure goes to the error handler): no sync then.
        if (listed) synced = true;
      } catch (e) {
        restart(e);
      }
    };
    const restart = (e: unknown): void => {
      if (stopped) return;
      failures++;
      const delay = backoffMs(failures, 500, 30_000);
      log.warn("watch failed; restarting", { resource: nameOf(kind), namespace: ns ?? "*", server: kc.getCurrentCluster()?.server, error: errorText(e), retryInMs: delay });
      setTimeout(() => void start(), delay).unref();
    };
    informer.on("error", restart);
    void start();
    return { informer, ns, synced: () => synced };
  });
  return {
    get: (namespace, name) => {
      for (const p of parts) if (p.ns === null || p.ns === namespace) return p.informer.get(name, namespace);
      return undefined;
    },
    list: (namespace) => parts.flatMap((p) => (p.ns === null || p.ns === namespace ? p.informer.list(namespace) : [])),
    synced: () => parts.every((p) => p.synced()),
    stop: async () => {
      stopped = true;
      await Promise.all(parts.map((p) => p.informer.stop()));
    },
  };
}
