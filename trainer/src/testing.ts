// Helpers shared by the trainer's tests: a reporter that records what it is sent.
import type { MetricMessage } from "../../controller/src/api/metrics.ts";
import { createReporter } from "./sdk/reporter.ts";
import type { ReporterCore } from "./sdk/reporter.ts";

/** A reporter whose reports land in `sent`, for asserting what training reported. */
export function recordingReporter(): ReporterCore & { sent: MetricMessage[] } {
  const sent: MetricMessage[] = [];
  const core = createReporter({
    transport: "console",
    trial: "test",
    warn: () => {},
    sink: {
      async send(m) {
        sent.push(m);
        return true;
      },
      async close() {},
    },
  });
  return Object.assign(core, { sent });
}
