import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { KubeConfig } from "@kubernetes/client-node";
import { createLogger, errorText } from "../telemetry/log.ts";
import { StartupAborted, StartupTimedOut, probeApiServer, retryUntil } from "./startup.ts";

const target = { what: "NATS", address: "nats://127.0.0.1:1", hint: "Check --nats-url." };
const refused = (): Promise<never> => Promise.reject(new Error("connection refused", { cause: new Error("connect ECONNREFUSED 127.0.0.1:1") }));

function logged(): { lines: Record<string, unknown>[]; log: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createLogger("info", (l) => lines.push(JSON.parse(l) as Record<string, unknown>)) };
}

test("a start-up wait retries until the target answers, logging the address and the cause of each failure", async () => {
  const { lines, log } = logged();
  let tries = 0;
  const v = await retryUntil(target, async () => (++tries < 3 ? refused() : "up"), { timeoutMs: 60_000, log });
  assert.equal(v, "up");
  assert.equal(lines.length, 2);
  assert.deepEqual({ msg: lines[0]?.msg, server: lines[0]?.server, error: lines[0]?.error }, { msg: "cannot reach NATS; retrying", server: "nats://127.0.0.1:1", error: "connection refused: connect ECONNREFUSED 127.0.0.1:1" });
});

test("a start-up wait gives up after its timeout with the address, the cause and what to check", async () => {
  const { log } = logged();
  let clock = 0;
  const attempt = async (): Promise<never> => {
    clock += 4_000;
    return refused();
  };
  await assert.rejects(retryUntil(target, attempt, { timeoutMs: 10_000, log, now: () => clock }), (e: Error) => {
    assert.ok(e instanceof StartupTimedOut);
    assert.equal(e.message, "cannot reach NATS at nats://127.0.0.1:1: connection refused: connect ECONNREFUSED 127.0.0.1:1; gave up after 10 s (--startup-timeout). Check --nats-url.");
    return true;
  });
});

test("a signal ends a start-up wait at once, between attempts", async () => {
  const { log } = logged();
  const stop = new AbortController();
  const waiting = retryUntil(target, async () => {
    setImmediate(() => stop.abort());
    return refused();
  }, { timeoutMs: 600_000, log, signal: stop.signal });
  await assert.rejects(waiting, StartupAborted);
});

test("the API server probe resolves on an answer, rejects on 401 and names the cause of a refused connection", async () => {
  let status = 200;
  const server = createServer((_req, res) => res.writeHead(status).end("{}"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }], users: [{ name: "u", token: "t" }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x" });
  try {
    await probeApiServer(kc);
    status = 403;
    await probeApiServer(kc);
    status = 401;
    await assert.rejects(probeApiServer(kc), /refused the credentials \(401 Unauthorized\)/);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  await assert.rejects(probeApiServer(kc), (e: unknown) => {
    assert.match(errorText(e), new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    return true;
  });
});
