import type { NatsConnection } from "@nats-io/transport-node";
import { controlSubject, type ControlMessage, type TrialAddress } from "../api/metrics.ts";

/** Asks a trial to stop: a core NATS message on its control subject (a trial not listening misses it; the Pod is deleted later). */
export function publishStop(nc: Pick<NatsConnection, "publish">, a: TrialAddress, reason: string): void {
  const body: ControlMessage = { action: "stop", reason: reason.slice(0, 1024) };
  nc.publish(controlSubject(a.namespace, a.job, a.trial), JSON.stringify(body));
}
