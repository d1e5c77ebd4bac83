// A container as a local process: its own process group (so `sh -c` children are stopped with it),
// stdout and stderr appended to the Pod's log file, stopped with SIGTERM, a grace period, then SIGKILL.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { constants } from 'node:os';

export type ProcessSpec = {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
};

export type Exit = { code: number | null; signal: number | null; error?: string };

export type RunningProcess = {
  pid: number;
  /** Resolves once the process has exited (never rejects). */
  exited: Promise<Exit>;
  /** SIGTERM to the process group, SIGKILL after `graceMs` if still alive; resolves on exit. */
  stop(graceMs: number): Promise<Exit>;
};

function signalNumber(name: NodeJS.Signals | null): number | null {
  return name === null ? null : (constants.signals[name] ?? null);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone: nothing left to signal.
  }
}

/** Starts a container process; a spawn failure (e.g. command not found) resolves `exited` with `error` set. */
export function startProcess(spec: ProcessSpec): RunningProcess {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const fd = openSync(spec.logFile, 'a');
  const [file, ...args] = spec.argv;
  let resolveExit: (e: Exit) => void = () => {};
  const exited = new Promise<Exit>((resolve) => { resolveExit = resolve; });
  let done = false;
  const finish = (e: Exit): void => {
    if (done) return;
    done = true;
    resolveExit(e);
  };
  let child;
  try {
    mkdirSync(spec.cwd, { recursive: true });
    child = spawn(file ?? '', args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', fd, fd], detached: true });
  } catch (err) {
    writeSync(fd, `process kubelet: cannot start ${JSON.stringify(spec.argv)}: ${(err as Error).message}\n`);
    closeSync(fd);
    finish({ code: null, signal: null, error: (err as Error).message });
    return { pid: 0, exited, stop: () => exited };
  }
  closeSync(fd);
  child.once('error', (err) => finish({ code: null, signal: null, error: err.message }));
  child.once('exit', (code, signal) => {
    // Like a container's teardown: whatever the main process left in its group goes too.
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    finish({ code, signal: signalNumber(signal) });
  });
  const pid = child.pid ?? 0;
  return {
    pid,
    exited,
    stop: async (graceMs) => {
      if (done || pid === 0) return exited;
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), Math.max(0, graceMs));
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
  };
}
