import type { KubernetesObject } from "@kubernetes/client-node";
import type { Cache } from "./informers.ts";

/** Resolves true once every cache has finished its first list (polled every `intervalMs`), or false once `stopped` says so first. */
export async function whenSynced(caches: readonly Cache<KubernetesObject>[], stopped: () => boolean, intervalMs = 100): Promise<boolean> {
  while (!stopped() && !caches.every((c) => c.synced())) await new Promise((r) => setTimeout(r, intervalMs));
  return !stopped();
}
