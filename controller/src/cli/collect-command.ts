import { mkdir, open, writeFile, type FileHandle } from "node:fs/promises";
import { posix } from "node:path";
import { z } from "zod";
import { SubjectToken } from "../api/metrics.ts";
import { MetricsCollector } from "../api/metrics-collector.ts";
import { runCollector } from "../collect/collector.ts";
import { createLineReader } from "../collect/line-format.ts";
import { COLLECT_FILE_ENV, COLLECTOR_SPEC_ENV, READY_FILE_ENV } from "../collect/sidecar.ts";
import { createLogger, errorText, sampled } from "../telemetry/log.ts";
import { natsSink } from "../../../trainer/src/sdk/nats-sink.ts";
import type { Io } from "./validate-command.ts";

const POLL_MS = 200;
const READ_BYTES = 64 * 1024;

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      ctx.addIssue({ code: "custom", message: `is not JSON (${(e as Error).message})` });
      return z.NEVER;
    }
  }).pipe(schema);

/** The collector sidecar's environment, as trialPod sets it. */
const CollectEnv = z.object({
  [COLLECTOR_SPEC_ENV]: json(MetricsCollector),
  [COLLECT_FILE_ENV]: z.string().refine((p) => posix.isAbsolute(p), { error: "must be an absolute path" }),
  KUBETUNE_NATS_URL: z.string().min(1, { error: "must name the NATS server(s)" }),
  KUBETUNE_NAMESPACE: SubjectToken,
  KUBETUNE_JOB: SubjectToken,
  KUBETUNE_TRIAL: SubjectToken,
  KUBETUNE_REPORT_KEY: z.string().min(1).optional(),
  [READY_FILE_ENV]: z.string().min(1).optional(),
});

const USAGE = `kubetune collect — the metrics collector sidecar of a trial Pod (spec.metricsCollector)

Reads ${COLLECT_FILE_ENV} from its start, parses its lines as ${COLLECTOR_SPEC_ENV} says, publishes each
report to NATS as the trial (KUBETUNE_NATS_URL, KUBETUNE_NAMESPACE/JOB/TRIAL, KUBETUNE_REPORT_KEY), and
on SIGTERM reads the file to its end, sends a final report and exits 0. The controller sets all of this.`;

/** `kubetune collect`: runs until `stop` aborts, then drains; returns the exit code. */
export async function collectCommand(args: string[], io: Io, env: NodeJS.ProcessEnv, stop: AbortSignal): Promise<number> {
  if (args.length > 0) {
    io.err(args[0] === "--help" || args[0] === "-h" ? USAGE : `kubetune collect takes no arguments (got ${args.join(" ")})\n\n${USAGE}`);
    return args[0] === "--help" || args[0] === "-h" ? 0 : 2;
  }
  const parsed = CollectEnv.safeParse(env);
  if (!parsed.success) {
    // Variables are strings when set, so a type error means a missing variable.
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")} ${i.code === "invalid_type" ? "is not set" : i.message}`).join("; ");
    io.err(`kubetune collect: bad environment: ${problems} (the controller sets these variables in the collector sidecar)`);
    return 2;
  }
  const e = parsed.data;
  const collector = e[COLLECTOR_SPEC_ENV];
  const file = e[COLLECT_FILE_ENV];
  const log = createLogger("info", (l) => io.err(l), { component: "collector", trial: e.KUBETUNE_TRIAL });
  // Ready as soon as a SIGTERM would be handled (main.ts installs the handler first): the startupProbe
  // lets the trial start from here, and a stop that comes while NATS connects still drains the file.
  const ready = e[READY_FILE_ENV];
  if (ready !== undefined) await mkdir(posix.dirname(ready), { recursive: true }).then(() => writeFile(ready, `${process.pid}\n`));
  const stopped = new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener("abort", () => resolve(), { once: true })));
  let sink: Awaited<ReturnType<typeof natsSink>>;
  try {
    sink = await natsSink(
      { url: e.KUBETUNE_NATS_URL, namespace: e.KUBETUNE_NAMESPACE, job: e.KUBETUNE_JOB, trial: e.KUBETUNE_TRIAL, ...(e.KUBETUNE_REPORT_KEY ? { reportKey: e.KUBETUNE_REPORT_KEY } : {}) },
      // The trial cannot hear a stop request through its output; the controller's hard stop (deleting the Pod) ends it.
      (reason) => log.info("stop requested; the trial is stopped when the controller deletes its Pod", { reason }),
      (line) => log.warn(line),
    );
  } catch (err) {
    // Exits non-zero: the sidecar is restarted (restartPolicy Always) and reads the file again.
    log.error("cannot connect to NATS", { error: errorText(err) });
    return 1;
  }
  log.info("collecting", { file, kind: collector.kind, format: collector.format });
  let handle: FileHandle | undefined;
  const buffer = Buffer.alloc(READ_BYTES);
  try {
    const summary = await runCollector(
      { trial: e.KUBETUNE_TRIAL, reader: createLineReader(collector, e.KUBETUNE_TRIAL), pollMs: POLL_MS, stop: stopped, log: sampled(log, { keys: [] }) },
      {
        async read(position) {
          if (handle === undefined) {
            try {
              handle = await open(file, "r");
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === "ENOENT") return { ok: false, reason: "absent", detail: `${file} does not exist yet` };
              throw err;
            }
          }
          const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, position);
          return { ok: true, bytes: Buffer.from(buffer.subarray(0, bytesRead)) };
        },
        publish: (m) => sink.send(m),
        sleep: (ms) =>
          new Promise<void>((resolve) => {
            if (stop.aborted) return resolve();
            const done = (): void => {
              clearTimeout(timer);
              stop.removeEventListener("abort", done);
              resolve();
            };
            const timer = setTimeout(done, ms);
            stop.addEventListener("abort", done, { once: true });
          }),
      },
    );
    log.info("collector done", { ...summary });
    return 0;
  } catch (err) {
    log.error("collector failed", { file, error: errorText(err) });
    return 1;
  } finally {
    await handle?.close();
    await sink.close();
  }
}
