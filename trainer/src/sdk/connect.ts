import { OBJECTIVE_RANK_ENV, replicaRole, reporterConfigFromEnv } from "./env.ts";
import type { ReporterConfig } from "./env.ts";
import { consoleSink } from "./console-sink.ts";
import { natsSink } from "./nats-sink.ts";
import type { NatsOptions } from "./nats-sink.ts";
import { createReporter } from "./reporter.ts";
import type { Reporter, ReporterCore, Sink } from "./reporter.ts";
import { stdioSink } from "./stdio-sink.ts";

/** Overrides for connectReporter; every field defaults to the process's own. */
export interface ConnectOptions {
  env?: Record<string, string | undefined>;
  stdout?: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  stderr?: NodeJS.WritableStream;
  /** Treat SIGTERM as a stop request (default true). */
  handleSignals?: boolean;
  nats?: Partial<NatsOptions>;
}

/**
 * Connects a reporter using the transport the environment selects: NATS JetStream when
 * KUBETUNE_NATS_URL is set, stdout lines when KUBETUNE_REPORT=stdio, else humane lines on stderr.
 */
export async function connectReporter(options: ConnectOptions = {}): Promise<Reporter> {
  const config = reporterConfigFromEnv(options.env ?? process.env);
  const stderr = options.stderr ?? process.stderr;
  const warn = (line: string) => void stderr.write(`kubetune: ${line}\n`);
  let core: ReporterCore | undefined;
  // Stop requests can arrive while the sink is still being built; remember them until the core exists.
  let early: string | undefined;
  const onStop = (reason: string) => (core ? core.requestStop(reason) : (early ??= reason));
  const env = options.env ?? process.env;
  const role = replicaRole(env);
  const made = await makeSink(config, options, onStop, warn, stderr);
  let sink = made;
  if (config.transport === "nats" && !role.primary) {
    warn(`replica rank ${role.rank}: reports stay on stderr (the trial's curve comes from rank ${role.objectiveRank}, ${OBJECTIVE_RANK_ENV}); stop requests still reach this replica`);
    sink = listenOnly(made, stderr);
  }
  core = createReporter({ transport: config.transport, trial: config.trial, sink, warn });
  if (early !== undefined) core.requestStop(early);
  if (options.handleSignals ?? true) return withSigterm(core, warn);
  return core;
}

/** A sink of a non-reporting replica: its NATS connection stays (for stop requests); its reports go to stderr only. */
export function listenOnly(sink: Sink, stderr: NodeJS.WritableStream): Sink {
  const local = consoleSink(stderr);
  return { send: (m) => local.send(m), close: () => sink.close() };
}

function makeSink(
  config: ReporterConfig,
  options: ConnectOptions,
  onStop: (reason: string) => void,
  warn: (line: string) => void,
  stderr: NodeJS.WritableStream,
): Promise<Sink> | Sink {
  switch (config.transport) {
    case "nats":
      return natsSink({ url: config.natsUrl ?? "", namespace: config.namespace, job: config.job, trial: config.trial, ...(config.reportKey !== undefined ? { reportKey: config.reportKey } : {}) }, onStop, warn, options.nats);
    case "stdio":
      return stdioSink({ stdout: options.stdout ?? process.stdout, stdin: options.stdin ?? process.stdin }, onStop, warn);
    case "console":
      return consoleSink(stderr);
  }
}

/**
 * SIGTERM becomes a stop request. A program that registered no onStop handler cannot stop gracefully,
 * so then the reporter flushes and the process exits with 143 (the conventional SIGTERM status).
 */
function withSigterm(core: ReporterCore, warn: (line: string) => void): Reporter {
  const onSigterm = () => {
    if (core.stopRequested || core.stopListenerCount() === 0) {
      warn(core.stopRequested ? "second SIGTERM: exiting now" : "SIGTERM and no onStop handler: flushing reports and exiting");
      void core.close().finally(() => process.exit(143));
      return;
    }
    core.requestStop("SIGTERM");
  };
  process.on("SIGTERM", onSigterm);
  const close = core.close;
  return Object.assign(core, {
    close: () => {
      process.off("SIGTERM", onSigterm);
      return close();
    },
  });
}
