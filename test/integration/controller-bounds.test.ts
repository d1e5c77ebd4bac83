import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { createServer, connect as tcpConnect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, scrape, startTestController, until, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
let ctl: Started | undefined;
let standby: Started | undefined;
let proxy: ApiProxy | undefined;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-bounds" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await standby?.controller.stop();
  await ctl?.controller.stop();
  await proxy?.stop();
  await cluster?.cleanup();
});

/** A TCP proxy to the API server that the test can stop and start, so only this controller loses it (TLS passes through). */
interface ApiProxy {
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function startApiProxy(target: URL): Promise<ApiProxy> {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let port = 0;
  const start = async (): Promise<void> => {
    const s = createServer((client) => {
      const upstream = tcpConnect(Number(target.port || 443), target.hostname);
      for (const sock of [client, upstream]) {
        sockets.add(sock);
        sock.on("close", () => sockets.delete(sock));
        sock.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => s.listen(port, "127.0.0.1", resolve));
    port = (s.address() as { port: number }).port;
    server = s;
  };
  await start();
  return {
    get port() {
      return port;
    },
    start,
    stop: async () => {
      const s = server;
      server = undefined;
      for (const sock of sockets) sock.destroy();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

/** The cluster's kubeconfig with its server replaced by the proxy's address. */
function proxiedKubeconfig(path: string, port: number): { file: string; target: URL } {
  const kc = parse(readFileSync(path, "utf8")) as { clusters: { cluster: { server: string } }[] };
  const first = kc.clusters[0];
  if (!first) throw new Error(`${path} has no cluster`);
  const target = new URL(first.cluster.server);
  for (const c of kc.clusters) c.cluster.server = `https://127.0.0.1:${port}`;
  const file = join(mkdtempSync(join(tmpdir(), "kt-bounds-")), "kubeconfig");
  writeFileSync(file, stringify(kc));
  return { file, target };
}

const count = (text: string, result: string): number => Number(new RegExp(`kubetune_metric_messages_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? "NaN");

const healthz = async (c: Started): Promise<{ status: number; body: string }> => {
  const r = await fetch(`http://127.0.0.1:${c.controller.port}/healthz`);
  return { status: r.status, body: await r.text() };
};

test("one trial's 2,400-metric-names attack: its excess names are rejected and counted, the controller stays healthy, another job succeeds, and /healthz fails when the API server is gone", async () => {
  const server = new URL((parse(readFileSync(cluster.kubeconfigPath, "utf8")) as { clusters: { cluster: { server: string } }[] }).clusters[0]?.cluster.server ?? "");
  proxy = await startApiProxy(server);
  const { file } = proxiedKubeconfig(cluster.kubeconfigPath, proxy.port);
  ctl = await startTestController(cluster, [`--kubeconfig=${file}`, "--unhealthy-after=5"]);
  const api = clients(cluster);
  const describe = async () => `${ctl?.logs.slice(-30).join("\n")}`;

  // No additionalMetrics: every reported name is stored, as bounded.
  const attack = {
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name: "attack" },
    spec: {
      objective: { metric: "val_loss", direction: "minimize" },
      parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
      search: { algorithm: "random", seed: 1 },
      budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 1 },
      trialTemplate: { spec: { restartPolicy: "Never", containers: [{ name: "attack", image: "kubetune/trainer:0.1.0", command: [process.execPath, join(root, "test/integration/fixtures/metric-names-attack.ts")] }] } },
    },
  };
  for (const doc of [JSON.stringify(attack), irisJob("other", { budget: { maxTrials: 2, parallelTrials: 2, maxFailedTrials: 0 } }, 6)]) {
    const r = await cluster.kubectl(["apply", "-f", "-"], { input: doc });
    assert.equal(r.code, 0, r.stderr);
  }

  const text = await until("the attack's reports to be counted", async () => {
    const t = await scrape(ctl!.controller);
    assert.equal((await healthz(ctl!)).status, 200, "healthy throughout the attack");
    return count(t, "too_many_metrics") >= 90 && count(t, "names_dropped") >= 1 ? t : undefined;
  }, 120_000, describe);
  assert.equal(count(text, "too_many_metrics"), 90, "every report of 2,400 names is rejected whole");
  const attacked = await until("the attack trial to finish", async () => {
    const t = (await api.trials()).find((x) => x.metadata?.name === "attack-00000");
    const phase = (t?.status as { phase?: string } | undefined)?.phase;
    return phase === "Succeeded" || phase === "Failed" ? t : undefined;
  }, 120_000, describe);
  const s = attacked.status as { phase: string; value?: number; metrics?: Record<string, number> };
  assert.equal(s.phase, "Succeeded", JSON.stringify({ ...s, metrics: Object.keys(s.metrics ?? {}).length }));
  assert.equal(s.value, 1 / 93, "the reports within the bounds still count");
  assert.equal(Object.keys(s.metrics ?? {}).length, 256, "the trial keeps at most 256 metric names");
  assert.ok(Buffer.byteLength(JSON.stringify(s)) < 64 * 1024);

  const other = await until("the other job to finish", async () => {
    const j = await api.job("other");
    return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
  }, 240_000, describe);
  assert.equal(other.status?.phase, "Succeeded", JSON.stringify(other.status));
  assert.equal((await api.job("attack")).status?.phase, "Succeeded");
  assert.equal((await healthz(ctl)).status, 200);
  assert.ok(ctl.controller.isLeader(), "the controller kept its lease");
  assert.ok(!ctl.logs.some((l) => /HTTP 413/.test(l)), "no write was refused as too large");

  // A standby replica that reaches the API server directly: healthy while it reaches both.
  standby = await startTestController(cluster, ["--unhealthy-after=5"], "ctl-b");
  assert.equal((await healthz(standby)).status, 200);
  assert.equal(standby.controller.isLeader(), false);

  // /healthz reflects reality: the API server gone for this controller only (its proxy stopped) fails it, and back passes it.
  await proxy.stop();
  const down = await until("/healthz to fail", async () => {
    const h = await healthz(ctl!);
    return h.status === 500 ? h : undefined;
  }, 60_000, describe);
  assert.match(down.body, /\[-\]apiserver failed: unreachable for \d+ s \(limit 5 s\)/);
  assert.match(down.body, /\[\+\]nats ok/);
  assert.equal((await healthz(standby)).status, 200, "the other replica still reaches the API server");
  await proxy.start();
  await until("/healthz to pass again", async () => ((await healthz(ctl!)).status === 200 ? true : undefined), 60_000, describe);
  await until("the other replica to lead", async () => (standby!.controller.isLeader() ? true : undefined), 30_000, describe);
  assert.equal(ctl.controller.isLeader(), false);
  assert.equal((await healthz(ctl)).status, 200, "a standby that reaches the API server and NATS is healthy");
});
