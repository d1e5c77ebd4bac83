import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { MetricMessage } from "../api/metrics.ts";
import type { MetricsCollector } from "../api/metrics-collector.ts";
import { createLineReader } from "../collect/line-format.ts";

/**
 * A local process killed by SIGKILL (exit 137) may have been OOM-killed by the kernel, or killed by a
 * person: nothing tells the two apart, so `kubetune run` never retries, and says so.
 */
export const SIGKILL_NOT_RETRIED = " (SIGKILL: perhaps the kernel's OOM killer; kubetune run does not retry trials, a cluster retries those the kubelet reports OOMKilled, see budget.maxRetries)";

/** What to run for one trial. */
export interface TrialCommand {
  trial: string;
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Where the trial's stdout (other than reports) and stderr go. */
  logPath: string;
  /** How its stdout carries metrics (spec.metricsCollector); absent: the SDK's stdout protocol. */
  collector?: MetricsCollector;
}

/** Events a trial process emits to the runner. */
export interface TrialProcessEvents {
  onStart(): void;
  onReport(message: MetricMessage): void;
  /** A report line that was not a valid report: the runner shows it, the trial goes on. */
  onBadReport(line: string, problem: string): void;
  onExit(exit: { ok: boolean; reason?: string }): void;
}

/** A running trial process that can be asked to stop. */
export interface TrialProcess {
  /** Asks the trial to stop (a control line on stdin), then SIGTERM after `graceMs`, then SIGKILL. */
  stop(reason: string, graceMs: number): void;
  /** Stops at once: SIGTERM, then SIGKILL after `killAfterMs`. */
  terminate(killAfterMs: number): void;
  readonly pid: number | undefined;
}

const LAST_LINES = 5;

/** Starts a trial as a child process, reading its reports from stdout (the SDK's stdio transport). */
export function startTrialProcess(cmd: TrialCommand, events: TrialProcessEvents): TrialProcess {
  const log: WriteStream = createWriteStream(cmd.logPath, { flags: "a" });
  const tail: string[] = [];
  const remember = (line: string): void => {
    tail.push(line);
    if (tail.length > LAST_LINES) tail.shift();
  };
  let exited = false;
  let spawnError: string | undefined;
  const timers: NodeJS.Timeout[] = [];
  let child: ChildProcess;
  try {
    child = spawn(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, stdio: ["pipe", "pipe", "pipe"], detached: false });
  } catch (e) {
    queueMicrotask(() => events.onExit({ ok: false, reason: `cannot start ${cmd.file}: ${(e as Error).message}` }));
    return { stop() {}, terminate() {}, pid: undefined };
  }
  child.on("spawn", () => events.onStart());
  child.on("error", (e: NodeJS.ErrnoException) => {
    spawnError = e.code === "ENOENT" ? `command not found: ${cmd.file} (is it installed and on PATH?)` : e.code === "EACCES" ? `${cmd.file} is not executable` : `${cmd.file}: ${e.message}`;
  });
  // A trial that exits before reading its stdin makes writes fail with EPIPE; that is not our failure.
  child.stdin?.on("error", () => {});
  const reader = createLineReader(cmd.collector, cmd.trial);
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const parsed = reader.read(line);
    if (parsed.kind === "report") events.onReport(parsed.message);
    else if (parsed.kind === "malformed") events.onBadReport(line, parsed.problem);
    // SDK report lines are not output; a collector's metric lines are (in a cluster, the container's output).
    if (parsed.kind !== "report" || cmd.collector !== undefined) log.write(`${line}\n`);
  });
  createInterface({ input: child.stderr! }).on("line", (line) => {
    log.write(`${line}\n`);
    if (line.trim() !== "") remember(line.trim());
  });
  child.on("close", (code, signal) => {
    exited = true;
    for (const t of timers) clearTimeout(t);
    log.end();
    if (spawnError) return events.onExit({ ok: false, reason: spawnError });
    if (code === 0) return events.onExit({ ok: true });
    const last = tail.length > 0 ? `: ${tail[tail.length - 1]}` : "";
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    events.onExit({ ok: false, reason: `${how}${last}${signal === "SIGKILL" || code === 137 ? SIGKILL_NOT_RETRIED : ""}` });
  });

  const kill = (signal: NodeJS.Signals): void => {
    if (!exited) child.kill(signal);
  };
  return {
    pid: child.pid,
    stop(reason, graceMs) {
      if (exited) return;
      child.stdin?.write(`${JSON.stringify({ action: "stop", reason })}\n`);
      timers.push(setTimeout(() => kill("SIGTERM"), graceMs));
      timers.push(setTimeout(() => kill("SIGKILL"), graceMs * 2 + 1000));
    },
    terminate(killAfterMs) {
      kill("SIGTERM");
      timers.push(setTimeout(() => kill("SIGKILL"), killAfterMs));
    },
  };
}
