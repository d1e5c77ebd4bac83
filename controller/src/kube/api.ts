import { ApiException, type V1Pod, type V1Secret } from "@kubernetes/client-node";
import { z } from "zod";
import type { Trial, TrialStatus } from "../api/trial.ts";
import type { TuningJobStatus } from "../api/tuningjob.ts";
import { errorText } from "../telemetry/log.ts";
import type { Reachability } from "../telemetry/reachability.ts";
import { jsonClient } from "./http.ts";
import type { PooledKubeConfig } from "./kubeconfig.ts";
import { API_GROUP, API_VERSION, PLURALS, type Meta } from "./objects.ts";

/** The HTTP status and the API server's own message of a failed call (or 0 and the error text). */
export function apiError(e: unknown): { code: number; message: string; reason?: string } {
  if (e instanceof ApiException) {
    const body: unknown = typeof e.body === "string" ? safeJson(e.body) : e.body;
    const b = (body ?? {}) as { message?: string; reason?: string };
    return { code: e.code, message: b.message ?? String(e.body ?? e.message), ...(b.reason ? { reason: b.reason } : {}) };
  }
  // No answer from the API server: the cause says why (connect ECONNREFUSED 127.0.0.1:6443, a TLS error…).
  return { code: 0, message: errorText(e) };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return { message: s };
  }
}

/** A failed API call with its HTTP status (0 when no answer came back) and the API server's own message. */
export class ApiCallError extends Error {
  readonly code: number;
  readonly detail: string;
  constructor(code: number, message: string, detail = message) {
    super(message);
    this.name = "ApiCallError";
    this.code = code;
    this.detail = detail;
  }
}

/**
 * Whether the API server refused a write for its content (413 too large, 422 invalid, 400 bad
 * request): sending it again can never succeed.
 */
export function isRefusal(e: unknown): e is ApiCallError {
  return e instanceof ApiCallError && (e.code === 413 || e.code === 422 || e.code === 400);
}

/**
 * Result of a create: made now, or not: already there (same deterministic name), or refused for good
 * (invalid, forbidden by admission, quota or policy); `detail` is the API server's message.
 */
export type CreateResult<T> = { ok: true; object: T } | { ok: false; reason: "exists" | "invalid"; detail: string };

/** The few API calls the reconciler makes. */
export interface KubeApi {
  createTrial(trial: Trial): Promise<CreateResult<Meta>>;
  createPod(pod: V1Pod): Promise<CreateResult<Meta>>;
  /** Creates a trial's report-key Secret; the controller may create Secrets but never read them. */
  createSecret(secret: V1Secret): Promise<CreateResult<Meta>>;
  deletePod(namespace: string, name: string): Promise<void>;
  patchTrialStatus(namespace: string, name: string, status: TrialStatus): Promise<void>;
  /** Merges `status` into the job's status; the `clear` fields are removed (a merge patch keeps what it does not name). */
  patchJobStatus(namespace: string, name: string, status: TuningJobStatus, clear?: readonly (keyof TuningJobStatus)[]): Promise<void>;
  event(involved: { kind: string; apiVersion: string; namespace: string; name: string; uid?: string }, type: "Normal" | "Warning", reason: string, message: string): Promise<void>;
}

const MERGE_PATCH = "application/merge-patch+json";

/** What the controller reads of a created object: its identity (the uid owns the next object). */
const Created = z.looseObject({ metadata: z.looseObject({ name: z.string(), namespace: z.string(), uid: z.string().min(1) }) });

function created(obj: unknown): Meta {
  const r = Created.safeParse(obj);
  if (!r.success) throw new Error(`the API server's answer to a create has no name, namespace and uid: ${z.prettifyError(r.error)}`);
  const { name, namespace, uid } = r.data.metadata;
  return { name, namespace, uid };
}

async function create(call: () => Promise<unknown>): Promise<CreateResult<Meta>> {
  try {
    return { ok: true, object: created(await call()) };
  } catch (e) {
    const err = apiError(e);
    if (err.code === 409) return { ok: false, reason: "exists", detail: err.message };
    // 422 Invalid, 400 BadRequest and 403 Forbidden (admission, quota, policy) will not pass on retry.
    if (err.code === 422 || err.code === 400 || err.code === 403) return { ok: false, reason: "invalid", detail: err.message };
    throw new Error(`create failed (HTTP ${err.code}): ${err.message}`);
  }
}

const seg = encodeURIComponent;
const ours = (namespace: string, plural: string): string => `/apis/${API_GROUP}/${API_VERSION}/namespaces/${seg(namespace)}/${plural}`;

/** The API calls of the reconciler, on the given cluster; `component` names the event source; each answer (or its absence) goes to `reachability`. */
export function kubeApi(kc: PooledKubeConfig, component: string, instance: string, reachability?: Reachability): KubeApi {
  const call = jsonClient(kc, Date.now, reachability);
  const patchStatus = async (plural: string, namespace: string, name: string, status: unknown): Promise<void> => {
    try {
      await call("PATCH", `${ours(namespace, plural)}/${seg(name)}/status`, { status }, MERGE_PATCH);
    } catch (e) {
      const err = apiError(e);
      if (err.code === 404) return;
      throw new ApiCallError(err.code, `patching ${plural}/${name} status in ${namespace} failed (HTTP ${err.code}): ${err.message.slice(0, 400)}`, err.message.slice(0, 400));
    }
  };
  return {
    createTrial: (trial) => create(() => call("POST", ours(trial.metadata.namespace ?? "", PLURALS.trial), trial)),
    createPod: (pod) => create(() => call("POST", `/api/v1/namespaces/${seg(pod.metadata?.namespace ?? "")}/pods`, pod)),
    createSecret: (secret) => create(() => call("POST", `/api/v1/namespaces/${seg(secret.metadata?.namespace ?? "")}/secrets`, secret)),
    deletePod: async (namespace, name) => {
      try {
        await call("DELETE", `/api/v1/namespaces/${seg(namespace)}/pods/${seg(name)}`);
      } catch (e) {
        const err = apiError(e);
        if (err.code !== 404) throw new Error(`deleting Pod ${namespace}/${name} failed (HTTP ${err.code}): ${err.message}`);
      }
    },
    patchTrialStatus: (namespace, name, status) => patchStatus(PLURALS.trial, namespace, name, status),
    patchJobStatus: (namespace, name, status, clear = []) => patchStatus(PLURALS.job, namespace, name, { ...status, ...Object.fromEntries(clear.map((k) => [k, null])) }),
    event: async (involved, type, reason, message) => {
      const now = new Date().toISOString();
      await call("POST", `/api/v1/namespaces/${seg(involved.namespace)}/events`, {
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
      });
    },
  };
}
