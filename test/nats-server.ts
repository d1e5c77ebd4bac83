import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A nats-server with JetStream that a test started for itself. */
export interface NatsServer {
  url: string;
  port: number;
  /** The JetStream store directory (pass it back to restart the same server). */
  store: string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (typeof a === "object" && a ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

/** Starts Debian's nats-server with JetStream on a loopback port and a store directory (new ones unless given, e.g. to restart). */
export async function startNatsServer(at: { port?: number; store?: string } = {}): Promise<NatsServer> {
  const port = at.port ?? (await freePort());
  const store = at.store ?? mkdtempSync(join(tmpdir(), "kubetune-nats-"));
  const child = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", store], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      log += d.toString();
      if (log.includes("Server is ready")) resolve();
    });
    child.once("error", (e) => reject(new Error(`cannot start nats-server: ${e.message} (install it: bash test/prereqs.sh)`)));
    child.once("exit", (code) => reject(new Error(`nats-server exited with ${code}: ${log}`)));
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    store,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
