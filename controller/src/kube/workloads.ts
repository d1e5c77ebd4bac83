import type { KubernetesObject } from "@kubernetes/client-node";
import { z } from "zod";
import type { Logger } from "../telemetry/log.ts";
import type { Reachability } from "../telemetry/reachability.ts";
import { apiError, type CreateResult } from "./api.ts";
import { jsonClient } from "./http.ts";
import { startCache, type Cache, type GroupResource } from "./informers.ts";
import type { PooledKubeConfig } from "./kubeconfig.ts";
import type { Meta } from "./objects.ts";

/** Whether the controller can make and watch trials of a kind: its resource, or why not. */
export type KindResolution =
  | { ok: true; resource: GroupResource }
  | { ok: false; reason: "not-installed" | "forbidden"; detail: string };

/** Trials that are resources of other kinds (Jobs, JobSets, TrainJobs…): discovery, creates, deletes and their caches. */
export interface Workloads {
  /** Finds `kind` of `apiVersion` by discovery and checks the controller may list it in `namespace`; a success is remembered. */
  resolve(namespace: string, apiVersion: string, kind: string): Promise<KindResolution>;
  /** The cache of a resolved resource's trial objects, started on first use. */
  cache(r: GroupResource): Cache<KubernetesObject>;
  /** Every cache started so far has listed once. */
  synced(r: GroupResource): boolean;
  create(r: GroupResource, obj: KubernetesObject): Promise<CreateResult<Meta>>;
  /** Deletes a trial's resource and, in the background, what it made (its Pods); a missing one is not an error. */
  delete(r: GroupResource, namespace: string, name: string): Promise<void>;
  stop(): Promise<void>;
}

const ResourceList = z.looseObject({ resources: z.array(z.looseObject({ name: z.string(), kind: z.string(), namespaced: z.boolean().optional() })) });

const seg = encodeURIComponent;
const collection = (r: GroupResource, namespace: string): string => `/apis/${r.group}/${r.version}/namespaces/${seg(namespace)}/${r.resource}`;

/** The workload side of the controller on cluster `kc`, watching `namespaces` (all when empty); changes go to `onChange`. */
export function startWorkloads(kc: PooledKubeConfig, namespaces: readonly string[], onChange: (o: KubernetesObject) => void, log: Logger, reachability?: Reachability): Workloads {
  const call = jsonClient(kc, Date.now, reachability);
  const caches = new Map<string, Cache<KubernetesObject>>();
  const resolved = new Map<string, GroupResource>();
  const keyOf = (r: GroupResource): string => `${r.resource}.${r.group}/${r.version}`;
  const cache = (r: GroupResource): Cache<KubernetesObject> => {
    let c = caches.get(keyOf(r));
    if (!c) {
      c = startCache<KubernetesObject>(kc, r, namespaces, onChange, log);
      caches.set(keyOf(r), c);
      log.info("watching trial resources", { resource: keyOf(r) });
    }
    return c;
  };
  const discover = async (apiVersion: string, kind: string): Promise<KindResolution> => {
    let body: unknown;
    try {
      body = await call("GET", `/apis/${apiVersion}`);
    } catch (e) {
      const err = apiError(e);
      if (err.code === 404) return { ok: false, reason: "not-installed", detail: `the API server serves no ${apiVersion}: install the CRD (or operator) that provides ${kind}` };
      if (err.code === 403) return { ok: false, reason: "forbidden", detail: `the controller may not read the discovery of ${apiVersion} (HTTP 403): ${err.message}` };
      throw new Error(`discovering ${apiVersion} failed (HTTP ${err.code}): ${err.message}`);
    }
    const list = ResourceList.safeParse(body);
    const found = list.success ? list.data.resources.find((r) => r.kind === kind && !r.name.includes("/")) : undefined;
    if (!found) return { ok: false, reason: "not-installed", detail: `${apiVersion} has no kind ${kind}: install the CRD (or operator) that provides it, or fix resource.kind` };
    const [group = "", version = ""] = apiVersion.split("/");
    return { ok: true, resource: { group, version, resource: found.name } };
  };
  return {
    resolve: async (namespace, apiVersion, kind) => {
      const known = resolved.get(`${namespace}\u0000${apiVersion}\u0000${kind}`);
      if (known) return { ok: true, resource: known };
      const d = await discover(apiVersion, kind);
      if (!d.ok) return d;
      try {
        await call("GET", `${collection(d.resource, namespace)}?limit=1`);
      } catch (e) {
        const err = apiError(e);
        if (err.code === 403) {
          return { ok: false, reason: "forbidden", detail: `the controller may not list ${d.resource.resource}.${d.resource.group} in namespace ${namespace}: add {group: ${d.resource.group}, resource: ${d.resource.resource}} to the chart's controller.trialKinds` };
        }
        if (err.code === 404) return { ok: false, reason: "not-installed", detail: `${apiVersion} ${kind} is not served in namespace ${namespace}` };
        throw new Error(`listing ${d.resource.resource}.${d.resource.group} failed (HTTP ${err.code}): ${err.message}`);
      }
      resolved.set(`${namespace}\u0000${apiVersion}\u0000${kind}`, d.resource);
      return d;
    },
    cache,
    synced: (r) => cache(r).synced(),
    create: async (r, obj) => {
      try {
        const created = (await call("POST", collection(r, obj.metadata?.namespace ?? ""), obj)) as { metadata?: { name?: string; namespace?: string; uid?: string } } | undefined;
        const m = created?.metadata;
        if (!m?.name || !m.namespace || !m.uid) throw new Error(`the API server's answer to creating ${r.resource}.${r.group} has no name, namespace and uid`);
        return { ok: true, object: { name: m.name, namespace: m.namespace, uid: m.uid } };
      } catch (e) {
        const err = apiError(e);
        if (err.code === 409) return { ok: false, reason: "exists", detail: err.message };
        if (err.code === 422 || err.code === 400 || err.code === 403) return { ok: false, reason: "invalid", detail: err.message };
        throw e instanceof Error && err.code === 0 ? e : new Error(`creating ${r.resource}.${r.group} failed (HTTP ${err.code}): ${err.message}`);
      }
    },
    delete: async (r, namespace, name) => {
      try {
        await call("DELETE", `${collection(r, namespace)}/${seg(name)}`, { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" });
      } catch (e) {
        const err = apiError(e);
        if (err.code !== 404) throw new Error(`deleting ${r.resource}.${r.group} ${namespace}/${name} failed (HTTP ${err.code}): ${err.message}`);
      }
    },
    stop: async () => {
      await Promise.all([...caches.values()].map((c) => c.stop()));
    },
  };
}
