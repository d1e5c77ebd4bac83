// The controller binary's start-up against addresses that do not answer: SIGTERM stops it at once, and
// --startup-timeout ends the wait with exit 1 and the address and cause in the log.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { TEST_SIGNING_KEY, root, until } from "./controller-harness.ts";

let cluster: TestCluster;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-startup" });
});
after(async () => {
  await cluster?.cleanup();
});

/** A local port nothing listens on (connections to it are refused). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A kubeconfig for an API server at a closed port. */
function deadKubeconfig(port: number): string {
  const path = join(mkdtempSync(join(tmpdir(), "kt-startup-")), "kubeconfig");
  writeFileSync(path, JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: `https://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } }],
    users: [{ name: "u", user: { token: "t" } }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    "current-context": "x",
  }));
  return path;
}

/** `kubetune controller` as a child process, with its log lines and exit code. */
function controller(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join(root, "controller/src/cli/bin.ts"), "controller", "--metrics-port=0", "--metrics-host=127.0.0.1", `--lease-namespace=${cluster.namespace}`, `--lease-name=startup-${Math.random().toString(36).slice(2, 8)}`, ...args], { cwd: root, env: { ...process.env, KUBETUNE_SIGNING_KEY: TEST_SIGNING_KEY, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  const lines: string[] = [];
  let rest = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    const parts = (rest + d).split("\n");
    rest = parts.pop() ?? "";
    lines.push(...parts);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once("exit", (code, signal) => r({ code, signal })));
  const logged = (re: RegExp): Promise<string> => until(`a log line matching ${re}`, async () => lines.find((l) => re.test(l)), 60_000, async () => lines.join("\n"));
  /** Exit, or a failure with the log if it has not exited within `ms` (a hang, not a timing check). */
  const exit = (ms: number) => Promise.race([exited, new Promise<never>((_r, rej) => setTimeout(() => rej(new Error(`still running after ${ms} ms:\n${lines.join("\n")}`)), ms).unref())]);
  return { child, lines, logged, exit };
}

test("SIGTERM stops a controller waiting for an unreachable API server: exit 0", async () => {
  const port = await closedPort();
  const c = controller([`--kubeconfig=${deadKubeconfig(port)}`, `--nats-url=${cluster.natsUrl}`]);
  try {
    await c.logged(new RegExp(`"cannot reach the API server; retrying".*"server":"https://127\\.0\\.0\\.1:${port}".*"error":"connect ECONNREFUSED 127\\.0\\.0\\.1:${port}"`));
    c.child.kill("SIGTERM");
    assert.deepEqual(await c.exit(30_000), { code: 0, signal: null }, c.lines.join("\n"));
    assert.ok(c.lines.some((l) => /"msg":"signal received","signal":"SIGTERM"/.test(l)));
  } finally {
    c.child.kill("SIGKILL");
  }
});

test("SIGTERM stops a controller waiting for an unreachable NATS (the API server answers): exit 0", async () => {
  const port = await closedPort();
  const c = controller([`--kubeconfig=${cluster.kubeconfigPath}`, `--nats-url=nats://127.0.0.1:${port}`]);
  try {
    await c.logged(new RegExp(`"cannot reach NATS; retrying".*"server":"nats://127\\.0\\.0\\.1:${port}".*ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    assert.ok(c.lines.some((l) => l.includes('"msg":"the API server answers"')), "the API server was reached first");
    c.child.kill("SIGTERM");
    assert.deepEqual(await c.exit(30_000), { code: 0, signal: null }, c.lines.join("\n"));
  } finally {
    c.child.kill("SIGKILL");
  }
});

test("an unreachable NATS past --startup-timeout: exit 1 with the address and the cause", async () => {
  const port = await closedPort();
  const c = controller([`--kubeconfig=${cluster.kubeconfigPath}`, `--nats-url=nats://127.0.0.1:${port}`, "--startup-timeout=3"]);
  try {
    assert.deepEqual(await c.exit(60_000), { code: 1, signal: null }, c.lines.join("\n"));
    const failed = c.lines.find((l) => l.includes('"msg":"start-up failed"')) ?? "";
    assert.match(failed, new RegExp(`cannot reach NATS at nats://127\\.0\\.0\\.1:${port}: connection refused: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}; gave up after 3 s \\(--startup-timeout\\)`), c.lines.join("\n"));
  } finally {
    c.child.kill("SIGKILL");
  }
});

test("an unreachable API server past --startup-timeout: exit 1 with the address and the cause", async () => {
  const port = await closedPort();
  const c = controller([`--kubeconfig=${deadKubeconfig(port)}`, `--nats-url=${cluster.natsUrl}`, "--startup-timeout=2"]);
  try {
    assert.deepEqual(await c.exit(60_000), { code: 1, signal: null }, c.lines.join("\n"));
    assert.ok(c.lines.some((l) => new RegExp(`cannot reach the API server at https://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}; gave up after 2 s`).test(l)), c.lines.join("\n"));
  } finally {
    c.child.kill("SIGKILL");
  }
});

test("a bad setting found at start (an unreadable NATS creds file) exits 2 at once, without waiting", async () => {
  const port = await closedPort();
  const c = controller([`--kubeconfig=${deadKubeconfig(port)}`, `--nats-url=${cluster.natsUrl}`], { KUBETUNE_NATS_CREDS_FILE: "/nonexistent/nats.creds" });
  try {
    assert.deepEqual(await c.exit(30_000), { code: 2, signal: null }, c.lines.join("\n"));
    assert.ok(c.lines.some((l) => l.includes("cannot read the NATS creds file /nonexistent/nats.creds")), c.lines.join("\n"));
    assert.ok(!c.lines.some((l) => l.includes("cannot reach")), "nothing is waited for");
  } finally {
    c.child.kill("SIGKILL");
  }
});
