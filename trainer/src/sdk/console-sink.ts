import type { MetricMessage } from "../../../controller/src/api/metrics.ts";
import type { Sink } from "./reporter.ts";

/** Renders a report as one human-readable line, e.g. `epoch 3  loss=0.1234  accuracy=0.9512`. */
export function formatHumane(m: MetricMessage): string {
  const values = Object.entries(m.metrics)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : Number(v.toPrecision(4))}`)
    .join("  ");
  return `${m.final ? "final  " : ""}step ${m.step}  ${values}`.trimEnd();
}

/** Sink for a trainer run by hand: prints each report on stderr and sends nothing anywhere. */
export function consoleSink(stderr: NodeJS.WritableStream): Sink {
  return {
    async send(m) {
      stderr.write(`kubetune: ${formatHumane(m)}\n`);
      return true;
    },
    async close() {},
  };
}
