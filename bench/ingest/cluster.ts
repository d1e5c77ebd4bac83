// An in-memory stand-in for the API server and informer caches, so the real reconciler runs in-process
// without Kubernetes: what is measured is the controller's own work, not the API server's.
import type { KubernetesObject } from "@kubernetes/client-node";
import type { KubeApi } from "../../controller/src/kube/api.ts";
import type { Cache } from "../../controller/src/kube/informers.ts";

type Obj = KubernetesObject & { status?: unknown };

/** The objects of one namespace by kind, the caches the reconciler reads and the API it writes through. */
export interface MemoryCluster {
  jobs: Cache<KubernetesObject>;
  trials: Cache<KubernetesObject>;
  pods: Cache<KubernetesObject>;
  api: KubeApi;
  addJob(job: Obj): void;
  /** Marks every Pod Running, as a kubelet would once the containers start. */
  startPods(): number;
  /** API calls made so far, by verb. */
  calls: { trialPatches: number; jobPatches: number; events: number };
}

/** Creates an empty in-memory cluster; objects are stored by name (one namespace). */
export function memoryCluster(): MemoryCluster {
  const jobs = new Map<string, Obj>();
  const trials = new Map<string, Obj>();
  const pods = new Map<string, Obj>();
  const calls = { trialPatches: 0, jobPatches: 0, events: 0 };
  let uid = 0;
  const cache = (m: Map<string, Obj>): Cache<KubernetesObject> => ({
    get: (_ns, name) => m.get(name),
    list: () => [...m.values()],
    synced: () => true,
    stop: async () => {},
  });
  const meta = (o: Obj) => ({ name: o.metadata?.name ?? "", namespace: o.metadata?.namespace ?? "", uid: o.metadata?.uid ?? "" });
  const api: KubeApi = {
    createTrial: async (t) => {
      if (trials.has(t.metadata.name)) return { ok: false, reason: "exists", detail: "already exists" };
      const o = { ...t, metadata: { ...t.metadata, uid: `trial-${uid++}` } } as Obj;
      trials.set(t.metadata.name, o);
      return { ok: true, object: meta(o) };
    },
    createPod: async (p) => {
      const name = p.metadata?.name ?? "";
      if (pods.has(name)) return { ok: false, reason: "exists", detail: "already exists" };
      const o: Obj = { ...p, metadata: { ...p.metadata, uid: `pod-${uid++}` }, status: { phase: "Pending" } };
      pods.set(name, o);
      return { ok: true, object: meta(o) };
    },
    createSecret: async (sec) => ({ ok: true, object: { name: sec.metadata?.name ?? "", namespace: sec.metadata?.namespace ?? "", uid: `secret-${uid++}` } }),
    deletePod: async (_ns, name) => void pods.delete(name),
    patchTrialStatus: async (_ns, name, status) => {
      calls.trialPatches++;
      const t = trials.get(name);
      if (t) t.status = status;
    },
    patchJobStatus: async (_ns, name, status) => {
      calls.jobPatches++;
      const j = jobs.get(name);
      if (j) j.status = status;
    },
    event: async () => void calls.events++,
  };
  return {
    jobs: cache(jobs),
    trials: cache(trials),
    pods: cache(pods),
    api,
    addJob: (job) => void jobs.set(job.metadata?.name ?? "", job),
    startPods: () => {
      for (const p of pods.values()) p.status = { phase: "Running" };
      return pods.size;
    },
    calls,
  };
}
