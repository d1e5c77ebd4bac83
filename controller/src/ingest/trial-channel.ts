import type { NatsConnection } from "@nats-io/transport-node";
import type { TrialAddress } from "../api/metrics.ts";
import type { Ingest } from "./consumer.ts";
import { publishStop } from "./control.ts";

/**
 * The controller's way to running trials (kube's TrialChannel port, matched by shape so ingest imports
 * nothing of kube): stop requests over NATS, and whether a trial's reports have all been applied, which
 * is never so while `ingest` is not running yet.
 */
export function createTrialChannel(nc: Pick<NatsConnection, "publish">, ingest: () => Ingest | undefined): { stop(a: TrialAddress, reason: string): Promise<void>; caughtUp(a: TrialAddress, time: number): Promise<boolean> } {
  return {
    stop: async (a, reason) => publishStop(nc, a, reason),
    caughtUp: async (a, time) => {
      const running = ingest();
      return running ? running.caughtUpSince(time) || (await running.trialCaughtUp(a)) : false;
    },
  };
}
