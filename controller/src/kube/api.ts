import { ApiException, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import type { Trial, TrialStatus } from "../api/trial.ts";
import type { TuningJobStatus } from "../api/tuningjob.ts";
import { API_GROUP, API_VERSION, PLURALS, type Meta } from "./objects.ts";

/** The HTTP status and the API server's own message of a failed call (or 0 and the error text). */
export function apiError(e: unknown): { code: number; message: string; reason?: string } {
  if (e instanceof ApiException) {
    const body: unknown = typeof e.body === "string" ? safeJson(e.body) : e.body;
    const b = (body ?? {}) as { message?: string; reason?: string };
    return { code: e.code, message: b.message ?? String(e.body ?? e.message), ...(b.reason ? { reason: b.reason } : {}) };
  }
  return { code: 0, message: e instanceof Error ? e.message : String(e) };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return { message: s };
  }
}

/** Result of a create: made now, already there (same deterministic name), or refused as invalid. */
export type CreateResult<T> = { kind: "created"; object: T } | { kind: "exists" } | { kind: "invalid"; message: string };

/** The few API calls the reconciler makes. */
export interface KubeApi {
  createTrial(trial: Trial): Promise<CreateResult<Meta>>;
  createPod(pod: V1Pod): Promise<CreateResult<Meta>>;
  deletePod(namespace: string, name: string): Promise<void>;
  patchTrialStatus(namespace: string, name: string, status: TrialStatus): Promise<void>;
  patchJobStatus(namespace: string, name: string, status: TuningJobStatus): Promise<void>;
  event(involved: { kind: string; apiVersion: string; namespace: string; name: string; uid?: string }, type: "Normal" | "Warning", reason: string, message: string): Promise<void>;
}

const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

function created(obj: { metadata?: { name?: string; namespace?: string; uid?: string } }): Meta {
  return { name: obj.metadata?.name ?? "", namespace: obj.metadata?.namespace ?? "", uid: obj.metadata?.uid ?? "" };
}

async function create<T>(call: () => Promise<T>, meta: (o: T) => Meta): Promise<CreateResult<Meta>> {
  try {
    return { kind: "created", object: meta(await call()) };
  } catch (e) {
    const err = apiError(e);
    if (err.code === 409) return { kind: "exists" };
    // 422 Invalid, 400 BadRequest and 403 Forbidden (admission, quota, policy) will not pass on retry.
    if (err.code === 422 || err.code === 400 || err.code === 403) return { kind: "invalid", message: err.message };
    throw new Error(`create failed (HTTP ${err.code}): ${err.message}`);
  }
}

/** The API calls of the reconciler, on the given cluster; `component` names the event source. */
export function kubeApi(kc: KubeConfig, component: string, instance: string): KubeApi {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const patchStatus = async (plural: string, namespace: string, name: string, status: unknown): Promise<void> => {
    try {
      await custom.patchNamespacedCustomObjectStatus({ group: API_GROUP, version: API_VERSION, namespace, plural, name, body: { status } }, merge);
    } catch (e) {
      const err = apiError(e);
      if (err.code === 404) return;
      throw new Error(`patching ${plural}/${name} status in ${namespace} failed (HTTP ${err.code}): ${err.message}`);
    }
  };
  return {
    createTrial: (trial) =>
      create(
        () => custom.createNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: trial.metadata.namespace ?? "", plural: PLURALS.trial, body: trial }) as Promise<{ metadata?: { name?: string; namespace?: string; uid?: string } }>,
        created,
      ),
    createPod: (pod) => create(() => core.createNamespacedPod({ namespace: pod.metadata?.namespace ?? "", body: pod }), created),
    deletePod: async (namespace, name) => {
      try {
        await core.deleteNamespacedPod({ namespace, name });
      } catch (e) {
        const err = apiError(e);
        if (err.code !== 404) throw new Error(`deleting Pod ${namespace}/${name} failed (HTTP ${err.code}): ${err.message}`);
      }
    },
    patchTrialStatus: (namespace, name, status) => patchStatus(PLURALS.trial, namespace, name, status),
    patchJobStatus: (namespace, name, status) => patchStatus(PLURALS.job, namespace, name, status),
    event: async (involved, type, reason, message) => {
      const now = new Date();
      await core.createNamespacedEvent({
        namespace: involved.namespace,
        body: {
          metadata: { generateName: `${involved.name}.`, namespace: involved.namespace },
          involvedObject: { kind: involved.kind, apiVersion: involved.apiVersion, namespace: involved.namespace, name: involved.name, ...(involved.uid ? { uid: involved.uid } : {}) },
          type,
          reason,
          message: message.slice(0, 1000),
          source: { component },
          reportingComponent: component,
          reportingInstance: instance,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    },
  };
}
