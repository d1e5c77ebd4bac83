import type { IngestTarget } from "../ingest/consumer.ts";
import type { MetricsTarget } from "../ingest/metrics-target.ts";

/**
 * Today's IngestTarget over the MetricsTarget port, until startIngest takes a MetricsTarget itself (issue
 * 16, the ports agreed between the kube and ingest shells): then this file goes and callers pass the target.
 */
export function ingestTargetOf(target: MetricsTarget): IngestTarget {
  return {
    trialState: (a) => target.admission(a).state,
    knownMetrics: (a) => {
      const s = target.admission(a);
      return s.state === "running" ? s.metrics : undefined;
    },
    trialUid: (a) => {
      const s = target.admission(a);
      return s.state === "running" ? s.uid : undefined;
    },
    report: (a, m, mode = "live") => target.apply(a, m, mode),
    persist: (keys) => target.persist(keys),
  };
}
