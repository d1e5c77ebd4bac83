import { apiError } from "../kube/api.ts";

/** Why reading from a cluster failed, for the result convention's `reason`. */
export type ReadFailure = "loading" | "no_kubeconfig" | "unreachable" | "unauthorized" | "forbidden" | "not_found" | "no_crds" | "invalid_job" | "no_trials" | "api_error";

/** A failed read: what went wrong, in one line that says how to fix it. */
export interface Failure {
  ok: false;
  reason: ReadFailure;
  detail: string;
}

/** What a failed call was doing: the verb and resource as RBAC names them, and where. */
export interface Attempt {
  verb: "get" | "list" | "watch";
  resource: string;
  namespace: string;
  name?: string;
  server: string;
}

/** Collapses whitespace and cuts a server's message, so a hostile or long answer stays one short line. */
export function oneLine(s: string, max = 300): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The failure of an API call, classified and described in one line. */
export function describeFailure(e: unknown, at: Attempt): Failure {
  const err = apiError(e);
  const msg = oneLine(err.message);
  const where = `in namespace "${at.namespace}"`;
  switch (err.code) {
    case 0:
      return { ok: false, reason: "unreachable", detail: `cannot reach the Kubernetes API server at ${at.server}: ${msg} (is the cluster up, and is the kubeconfig's current context the right one?)` };
    case 401:
      return { ok: false, reason: "unauthorized", detail: `the API server at ${at.server} refused the kubeconfig's credentials (401 Unauthorized): log in again or pick another context` };
    case 403:
      return { ok: false, reason: "forbidden", detail: `not allowed to ${at.verb} ${at.resource} ${where} (403 Forbidden): ${msg}; ask for get, list and watch on tuningjobs and trials (kubetune.io)` };
    case 404:
      if (at.name !== undefined && !/could not find the requested resource/.test(msg)) {
        return { ok: false, reason: "not_found", detail: `TuningJob "${at.name}" not found ${where} (kubectl get tuningjobs -n ${at.namespace} lists them)` };
      }
      return { ok: false, reason: "no_crds", detail: `the API server at ${at.server} does not serve ${at.resource}.kubetune.io: install the CRDs (kubetune crds | kubectl apply -f -)` };
    default:
      return { ok: false, reason: "api_error", detail: `${at.verb} ${at.resource} ${where} failed (HTTP ${err.code}): ${msg}` };
  }
}
