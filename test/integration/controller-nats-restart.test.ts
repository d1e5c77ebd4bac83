import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { startNatsServer, type NatsServer } from "../nats-server.ts";
import { clients, irisJob, root, startTestController, until, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
let ctl: Started | undefined;
let nats: NatsServer | undefined;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-nats" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await ctl?.controller.stop();
  await nats?.stop();
  await cluster?.cleanup();
});

test("a NATS restart mid-job is ridden out: the controller reconnects, reports readiness, and the job finishes", async () => {
  // A private server, so restarting it disturbs no other suite.
  nats = await startNatsServer();
  ctl = await startTestController(cluster, [`--nats-url=${nats.url}`]);
  const api = clients(cluster);
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: irisJob("natsdown", { budget: { maxTrials: 3, parallelTrials: 1, maxFailedTrials: 3 } }, 25) });
  assert.equal(applied.code, 0, applied.stderr);
  await until("the first trial to report", async () => {
    const s = (await api.trials())[0]?.status as { lastStep?: number } | undefined;
    return (s?.lastStep ?? 0) >= 3 ? true : undefined;
  }, 60_000);

  const { port, store } = nats;
  await nats.stop();
  await until("/readyz to report NATS down", async () => ((await fetch(`http://127.0.0.1:${ctl!.controller.port}/readyz`)).status === 503 ? true : undefined), 10_000);
  await new Promise((r) => setTimeout(r, 1500));
  nats = await startNatsServer({ port, store });
  await until("/readyz to recover", async () => ((await fetch(`http://127.0.0.1:${ctl!.controller.port}/readyz`)).status === 200 ? true : undefined), 20_000);

  const job = await until("the job to finish", async () => {
    const j = await api.job("natsdown");
    return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
  }, 150_000, async () => `${JSON.stringify((await api.job("natsdown")).status)}\n${ctl?.logs.slice(-20).join("\n")}`);
  const trials = (job.status as { trials: Record<string, number> }).trials;
  assert.equal(job.status?.phase, "Succeeded", JSON.stringify(job.status));
  assert.equal((trials.succeeded ?? 0) + (trials.failed ?? 0) + (trials.earlyStopped ?? 0), 3);
  assert.ok(ctl.logs.some((l) => l.includes("NATS connection lost")), "the outage is logged");
  assert.ok(ctl.logs.some((l) => l.includes("NATS connection restored")), "the reconnect is logged");
  // Trials that ran after the outage were measured normally.
  const last = (await api.trials()).find((t) => t.metadata?.name === "natsdown-00002")?.status as { phase: string; curve: unknown[] } | undefined;
  assert.equal(last?.phase, "Succeeded");
  assert.equal(last?.curve.length, 25);
});
