import { PARAM_REFERENCE } from "../api/template.ts";
import type { Params } from "../api/parameters.ts";

/** Renders a parameter value for a command line or env var: numbers as JavaScript prints them, strings as-is. */
function render(v: Params[string]): string {
  return typeof v === "number" ? String(v) : v;
}

/** Replaces every `${params.<name>}` in every string of a template (deeply) with the trial's value; unknown names are left as-is. */
export function substituteParams<T>(template: T, params: Params): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return v.replace(PARAM_REFERENCE, (m, name: string) => (params[name] === undefined ? m : render(params[name] as Params[string])));
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(template) as T;
}

/** Who a trial is, for its KUBETUNE_* environment variables. */
export interface TrialIdentity {
  namespace: string;
  job: string;
  trial: string;
  params: Params;
  objective: string;
  natsUrl: string;
}

/** The KUBETUNE_* environment every trial container gets (ARCHITECTURE.md). */
export function trialEnv(t: TrialIdentity): { name: string; value: string }[] {
  return [
    { name: "KUBETUNE_NAMESPACE", value: t.namespace },
    { name: "KUBETUNE_JOB", value: t.job },
    { name: "KUBETUNE_TRIAL", value: t.trial },
    { name: "KUBETUNE_PARAMS", value: JSON.stringify(t.params) },
    { name: "KUBETUNE_OBJECTIVE", value: t.objective },
    { name: "KUBETUNE_NATS_URL", value: t.natsUrl },
  ];
}
