import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

/** The repository root and the CLI's entry point, as the tests run it. */
export const root = join(import.meta.dirname, "..");
export const bin = join(root, "controller/src/cli/bin.ts");

/** What a finished CLI run printed, and its exit code. */
export interface Cli {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the kubetune CLI as a child process (in the repository root unless `cwd`); `onStderr` may act on the output so far (e.g. send Ctrl-C). */
export function runKubetune(args: string[], options: { cwd?: string; onStderr?: (text: string, child: ChildProcess) => void } = {}): Promise<Cli> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? root, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, child);
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
