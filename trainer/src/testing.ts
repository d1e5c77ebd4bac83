// Helpers shared by the trainer's tests: a reporter that records what it is sent.
import { PassThrough } from "node:stream";
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

/** A reporter's stdout and stderr as in-memory streams, with what has been written to each so far. */
export function capturedStreams(): { stdout: PassThrough; stderr: PassThrough; out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}
