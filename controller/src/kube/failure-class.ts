import type { InfraExit } from "../engine/retry.ts";

/** The parts of a Pod that say why it ended. */
export interface EndedPodLike {
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: { name: string; state?: { terminated?: { exitCode: number; reason?: string; message?: string } } }[];
  };
}

/**
 * DisruptionTarget condition reasons (set by Kubernetes before it ends a Pod for reasons of its own) and
 * the failure class each means. TerminationByKubelet is a node shutdown or node-pressure eviction (the
 * latter also sets status.reason Evicted, which is checked first).
 */
const DISRUPTIONS: Readonly<Record<string, InfraExit["reason"]>> = {
  PreemptionByScheduler: "Preempted",
  PreemptionByKubeScheduler: "Preempted",
  DeletionByPodGC: "NodeLost",
  DeletionByTaintManager: "NodeLost",
  TerminationByKubelet: "NodeLost",
  EvictionByEvictionAPI: "Evicted",
};

/**
 * Whether a Pod that ended did so for the infrastructure rather than the trial's code, and which:
 * evicted (status.reason Evicted), preempted or lost with its node (a DisruptionTarget condition), or a
 * container OOM-killed. A Pod that succeeded counts only when Kubernetes disrupted it (the trainer may
 * exit 0 on the SIGTERM). Undefined for a failure of the trial itself.
 */
export function infrastructureFailure(pod: EndedPodLike): InfraExit | undefined {
  const s = pod.status;
  if (s?.phase !== "Failed" && s?.phase !== "Succeeded") return undefined;
  if (s.phase === "Failed" && s.reason === "Evicted") return { reason: "Evicted", message: s.message ?? "the kubelet evicted the Pod" };
  const disruption = (s.conditions ?? []).find((c) => c.type === "DisruptionTarget" && c.status === "True");
  const kind = disruption?.reason !== undefined ? DISRUPTIONS[disruption.reason] : undefined;
  if (kind !== undefined) return { reason: kind, message: `${disruption?.reason}${disruption?.message ? `: ${disruption.message}` : ""}` };
  if (s.phase !== "Failed") return undefined;
  const oom = (s.containerStatuses ?? []).find((c) => c.state?.terminated?.reason === "OOMKilled");
  const t = oom?.state?.terminated;
  if (oom && t) return { reason: "OOMKilled", message: `container ${oom.name} was OOM-killed (exit code ${t.exitCode})${t.message ? `: ${t.message}` : ""}` };
  return undefined;
}

/** What a trial whose Pod vanished while it ran (deleted by someone else, or with its node) was lost to. */
export function podVanished(pod: string): InfraExit {
  return { reason: "NodeLost", message: `Pod ${pod} was deleted while the trial ran (its node was lost, or someone deleted it)` };
}
