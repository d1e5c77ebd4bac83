// Shared launcher for kubetune's bins: runs a TypeScript entry point under a Node that can strip types.
// Plain JavaScript on purpose: it must start even on a Node that cannot run .ts files.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The package root: this file lives in <root>/bin. */
export const PACKAGE_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Whether this Node runs .ts files natively (22.18+ by default, or started with --experimental-strip-types). */
export function canStripTypes(version = process.versions.node, execArgv = process.execArgv) {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 18)) return true;
  return execArgv.includes("--experimental-strip-types") || execArgv.includes("--experimental-transform-types");
}

/**
 * Runs `<root>/<entry>` with this process's arguments: in-process when this Node strips types, else in a
 * child running the `node` devDependency (Node 22), forwarding stdio, signals and the exit status.
 */
export async function runTs(entry) {
  const file = join(PACKAGE_ROOT, entry);
  if (canStripTypes()) {
    await import(pathToFileURL(file).href);
    return;
  }
  const node = join(PACKAGE_ROOT, "node_modules", "node", "bin", "node");
  if (!existsSync(node)) {
    process.stderr.write(`kubetune: Node ${process.versions.node} cannot run TypeScript and ${node} is missing; use Node ≥ 22.18, or run \`npm install\` in ${PACKAGE_ROOT} to get its Node 22\n`);
    process.exit(1);
  }
  const child = spawn(node, [file, ...process.argv.slice(2)], { stdio: "inherit" });
  const forward = (signal) => () => child.kill(signal);
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, forward(signal));
  child.on("error", (e) => {
    process.stderr.write(`kubetune: cannot start ${node}: ${e.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      // Die of the same signal so our parent sees what the child saw.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
