import type { ControllerMetrics } from "../telemetry/metrics.ts";
import type { ReconcileOutcome } from "./workqueue.ts";

/** `reconcile`, timed and counted by outcome (controller_runtime_reconcile_time_seconds and _total); errors are counted where the queue retries them. */
export function withReconcileMetrics(reconcile: (key: string) => Promise<ReconcileOutcome>, metrics: ControllerMetrics): (key: string) => Promise<ReconcileOutcome> {
  return async (key) => {
    const started = performance.now();
    const outcome = await reconcile(key);
    metrics.reconcileTime.observe({ controller: "tuningjob" }, (performance.now() - started) / 1000);
    metrics.reconcileTotal.inc({ controller: "tuningjob", result: outcome.requeueAfterMs === undefined ? "success" : "requeue_after" });
    return outcome;
  };
}
