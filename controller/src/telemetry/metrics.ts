import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Why a metric message was accepted or rejected; the `result` label of kubetune_metric_messages_total.
 * `names_dropped` is applied like `accepted` but without its new metric names past the trial's bound.
 */
export const MESSAGE_RESULTS = [
  "accepted",
  "too_large",
  "too_many_metrics",
  "invalid_json",
  "invalid_schema",
  "subject_mismatch",
  "bad_subject",
  "unknown_trial",
  "trial_not_running",
  "names_dropped",
  "unsigned",
  "bad_signature",
] as const;
export type MessageResult = (typeof MESSAGE_RESULTS)[number];

/** Every Prometheus metric the controller exports (names per ARCHITECTURE.md; no trial names as labels). */
export interface ControllerMetrics {
  registry: Registry;
  trialsByPhase: Gauge<"namespace" | "job" | "phase">;
  trialsFinished: Counter<"namespace" | "job" | "outcome">;
  bestObjective: Gauge<"namespace" | "job" | "metric">;
  paretoFront: Gauge<"namespace" | "job">;
  suggestionLatency: Histogram<"algorithm">;
  earlyStops: Counter<"namespace" | "job">;
  trialRetries: Counter<"reason">;
  metricMessages: Counter<"result">;
  jobsByPhase: Gauge<"phase">;
  reconcileTotal: Counter<"controller" | "result">;
  reconcileErrors: Counter<"controller">;
  reconcileTime: Histogram<"controller">;
  queueDepth: Gauge<"name">;
  queueAdds: Counter<"name">;
  queueRetries: Counter<"name">;
  queueLatency: Histogram<"name">;
  queueWorkDuration: Histogram<"name">;
  leader: Gauge;
  natsConnected: Gauge;
}

/** Creates a fresh registry with the controller's metrics and the default process/Node metrics. */
export function createMetrics(): ControllerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges *_total, which promtool rejects (that suffix is for counters).
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) registry.removeSingleMetric(name);
  const registers = [registry];
  const seconds = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  const metrics: ControllerMetrics = {
    registry,
    trialsByPhase: new Gauge({ name: "kubetune_trials", help: "Trials of each job by phase.", labelNames: ["namespace", "job", "phase"], registers }),
    trialsFinished: new Counter({ name: "kubetune_trials_finished_total", help: "Trials that finished, by outcome (Succeeded, Failed, EarlyStopped).", labelNames: ["namespace", "job", "outcome"], registers }),
    bestObjective: new Gauge({ name: "kubetune_best_objective_value", help: "Objective value of each job's best trial so far.", labelNames: ["namespace", "job", "metric"], registers }),
    paretoFront: new Gauge({ name: "kubetune_pareto_front_trials", help: "Trials on each multi-objective job's Pareto front.", labelNames: ["namespace", "job"], registers }),
    suggestionLatency: new Histogram({ name: "kubetune_suggestion_duration_seconds", help: "Time the search algorithm took to suggest trials.", labelNames: ["algorithm"], buckets: seconds, registers }),
    earlyStops: new Counter({ name: "kubetune_early_stopping_decisions_total", help: "Trials stopped early by the stopping rule.", labelNames: ["namespace", "job"], registers }),
    trialRetries: new Counter({ name: "kubetune_trial_retries_total", help: "Trial attempts retried after an infrastructure failure, by reason (Evicted, OOMKilled, Preempted, NodeLost).", labelNames: ["reason"], registers }),
    metricMessages: new Counter({ name: "kubetune_metric_messages_total", help: "Metric messages read from NATS, by result (accepted or the reject reason).", labelNames: ["result"], registers }),
    jobsByPhase: new Gauge({ name: "kubetune_tuningjobs", help: "TuningJobs by phase.", labelNames: ["phase"], registers }),
    reconcileTotal: new Counter({ name: "controller_runtime_reconcile_total", help: "Reconciles by result (success, error, requeue_after).", labelNames: ["controller", "result"], registers }),
    reconcileErrors: new Counter({ name: "controller_runtime_reconcile_errors_total", help: "Reconciles that failed.", labelNames: ["controller"], registers }),
    reconcileTime: new Histogram({ name: "controller_runtime_reconcile_time_seconds", help: "Time per reconcile.", labelNames: ["controller"], buckets: seconds, registers }),
    queueDepth: new Gauge({ name: "workqueue_depth", help: "Keys waiting in the work queue.", labelNames: ["name"], registers }),
    queueAdds: new Counter({ name: "workqueue_adds_total", help: "Keys added to the work queue.", labelNames: ["name"], registers }),
    queueRetries: new Counter({ name: "workqueue_retries_total", help: "Rate-limited requeues.", labelNames: ["name"], registers }),
    queueLatency: new Histogram({ name: "workqueue_queue_duration_seconds", help: "Time a key waits in the queue before it is processed.", labelNames: ["name"], buckets: seconds, registers }),
    queueWorkDuration: new Histogram({ name: "workqueue_work_duration_seconds", help: "Time processing a key takes.", labelNames: ["name"], buckets: seconds, registers }),
    leader: new Gauge({ name: "kubetune_leader", help: "1 while this replica holds the leader Lease.", registers }),
    natsConnected: new Gauge({ name: "kubetune_nats_connected", help: "1 while the NATS connection is up.", registers }),
  };
  for (const result of MESSAGE_RESULTS) metrics.metricMessages.inc({ result }, 0);
  return metrics;
}
