import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, scrape, startTestController, until, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
const started: Started[] = [];

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-lead" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  for (const s of started) await s.controller.stop();
  await cluster?.cleanup();
});

const reconciled = (s: Started) => s.logs.filter((l) => l.includes('"trial created"') || l.includes("job state rebuilt")).length;

test("of two replicas only the leader reconciles; stopping it hands over and the job completes", async () => {
  const a = await startTestController(cluster, [], "replica-a");
  started.push(a);
  await until("replica-a to lead", async () => (a.controller.isLeader() ? true : undefined), 20_000);
  const b = await startTestController(cluster, [], "replica-b");
  started.push(b);
  const api = clients(cluster);
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: irisJob("ha", { budget: { maxTrials: 6, parallelTrials: 2, maxFailedTrials: 0 } }, 15) });
  assert.equal(applied.code, 0, applied.stderr);

  await until("two trials created by the leader", async () => ((await api.trials()).length >= 2 ? true : undefined), 60_000);
  assert.equal(b.controller.isLeader(), false);
  assert.equal(reconciled(b), 0, "the standby replica reconciled nothing");
  assert.match(await scrape(b.controller), /kubetune_leader 0/);
  const ready = await fetch(`http://127.0.0.1:${b.controller.port}/readyz`);
  assert.equal(ready.status, 200, "a standby replica is ready");

  // SIGTERM path: stop() releases the Lease, so the standby takes over without waiting for it to expire.
  await a.controller.stop();
  started.splice(started.indexOf(a), 1);
  await until("replica-b to take over", async () => (b.controller.isLeader() ? true : undefined), 15_000);
  const job = await until("the job to finish under replica-b", async () => {
    const j = await api.job("ha");
    return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
  }, 150_000, async () => `${JSON.stringify((await api.job("ha")).status)}\n${b.logs.slice(-20).join("\n")}`);
  assert.equal(job.status?.phase, "Succeeded", JSON.stringify(job.status));
  assert.deepEqual((job.status as { trials: unknown }).trials, { pending: 0, running: 0, succeeded: 6, failed: 0, earlyStopped: 0 });
  assert.deepEqual((await api.trials()).map((t) => (t.spec as { index: number }).index).sort(), [0, 1, 2, 3, 4, 5]);
  assert.ok(reconciled(b) > 0, "replica-b reconciled after the hand-over");
  assert.match(await scrape(b.controller), /kubetune_leader 1/);
});
