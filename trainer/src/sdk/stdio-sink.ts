import { createInterface } from "node:readline";
import { decodeControlMessage, formatReportLine } from "../../../controller/src/api/metrics.ts";
import type { Sink } from "./reporter.ts";

/** Streams the local runner connects to a trial process. */
export interface StdioStreams {
  stdout: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

/**
 * Sink for the local runner: one `@@kubetune <json>` line per report on stdout, and stop requests read
 * as JSON control lines from stdin.
 */
export function stdioSink(io: StdioStreams, onStop: (reason: string) => void, warn: (line: string) => void): Sink {
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
  rl.on("line", (line) => {
    if (line.trim() === "") return;
    const msg = decodeControlMessage(line);
    if (!msg.ok) warn(`ignoring bad control line on stdin: ${msg.detail}`);
    else onStop(msg.message.reason);
  });
  // An open stdin pipe would keep the process alive after training ends; control lines are optional.
  unref(io.stdin);
  return {
    send(m) {
      return new Promise((resolve) => {
        let line: string;
        try {
          line = `${formatReportLine(m)}\n`;
        } catch (e) {
          warn((e as Error).message);
          resolve(false);
          return;
        }
        if (io.stdout.write(line)) resolve(true);
        else io.stdout.once("drain", () => resolve(true));
      });
    },
    async close() {
      rl.close();
    },
  };
}

function unref(stream: NodeJS.ReadableStream): void {
  const s = stream as NodeJS.ReadableStream & { unref?: () => void };
  if (typeof s.unref === "function") s.unref();
}
