import { StartupAborted, StartupTimedOut } from "../kube/startup.ts";
import { controllerUsage, parseConfig, type ControllerConfig } from "../kube/config.ts";
import { startController, type Controller } from "../kube/main.ts";
import { createLogger, errorText } from "../telemetry/log.ts";

/**
 * `kubetune controller [--flag=value...]`: runs until SIGTERM/SIGINT, then shuts down gracefully. The
 * signal handlers come first, so a controller still waiting for NATS or the API server stops at once
 * (as PID 1 in a container nothing else would stop it); `signalledEarly` says one came even before
 * (while the CLI loaded this module). Exit codes: 0 after a signal, 2 for a bad
 * setting, 1 when start-up fails (unreachable past --startup-timeout).
 */
export async function controllerCommand(argv: readonly string[], io: { out(line: string): void; err(line: string): void }, signalledEarly?: AbortSignal): Promise<number> {
  if (argv.some((a) => a === "--help" || a === "-h")) {
    io.out(controllerUsage());
    return 0;
  }
  let config: ControllerConfig;
  try {
    config = parseConfig(argv, process.env);
  } catch (e) {
    io.err(`kubetune controller: ${errorText(e)}`);
    return 2;
  }
  const log = createLogger(config.logLevel);
  const stopping = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info("signal received", { signal });
    stopping.abort();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  // A signal that came while this module was loading (the CLI caught it).
  if (signalledEarly?.aborted) {
    log.info("signal received while loading");
    stopping.abort();
  }
  try {
    let controller: Controller;
    try {
      controller = await startController(config, log, stopping.signal);
    } catch (e) {
      if (e instanceof StartupAborted) {
        log.info("stopped during start-up");
        return 0;
      }
      log.error("start-up failed", { error: errorText(e) });
      io.err(`kubetune controller: ${errorText(e)}`);
      // Unreachable is 1; anything else is a setting (an unreadable creds or trial-defaults file): 2.
      return e instanceof StartupTimedOut ? 1 : 2;
    }
    if (!stopping.signal.aborted) await new Promise((resolve) => stopping.signal.addEventListener("abort", resolve, { once: true }));
    await controller.stop();
    return 0;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}
