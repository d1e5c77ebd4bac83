import type { Params } from "./parameters.ts";

/** Who a trial is, for its KUBETUNE_* environment variables. */
export interface TrialIdentity {
  namespace: string;
  job: string;
  trial: string;
  params: Params;
  objective: string;
  natsUrl: string;
}

/** The KUBETUNE_* environment every trial container gets (the protocol table in docs/metrics-protocol.md). */
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
