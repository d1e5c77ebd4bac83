// A controller that starts after jobs finished still exports them: job phases, trial counts, best values.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, scrape, startTestController, until, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
const started: Started[] = [];

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-gauges" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  for (const s of started) await s.controller.stop();
  await cluster?.cleanup();
});

const sample = (text: string, name: string, labels: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && labels.split(",").every((kv) => l.includes(kv)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
};

test("after a restart, finished jobs are in kubetune_tuningjobs, kubetune_trials and kubetune_best_objective_value", async () => {
  const first = await startTestController(cluster, [], "ctl-first");
  started.push(first);
  const api = clients(cluster);
  const budget = { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 0 };
  for (const name of ["done-a", "done-b"]) assert.equal((await cluster.kubectl(["apply", "-f", "-"], { input: irisJob(name, { budget }, 2) })).code, 0);
  const best: Record<string, number> = {};
  for (const name of ["done-a", "done-b"]) {
    const j = await until(`${name} to succeed`, async () => {
      const x = await api.job(name);
      return x.status?.phase === "Succeeded" ? x : undefined;
    }, 120_000);
    best[name] = (j.status as { bestTrial: { value: number } }).bestTrial.value;
  }
  await first.controller.stop();

  const second = await startTestController(cluster, [], "ctl-second");
  started.push(second);
  const ns = `namespace="${cluster.namespace}"`;
  const text = await until("the finished jobs in the gauges", async () => {
    const t = await scrape(second.controller);
    return sample(t, "kubetune_tuningjobs", 'phase="Succeeded"') === 2 ? t : undefined;
  }, 60_000, async () => (await scrape(second.controller)).split("\n").filter((l) => l.startsWith("kubetune_")).join("\n"));
  for (const name of ["done-a", "done-b"]) {
    assert.equal(sample(text, "kubetune_trials", `${ns},job="${name}",phase="succeeded"`), 1, name);
    assert.equal(sample(text, "kubetune_best_objective_value", `${ns},job="${name}",metric="val_loss"`), best[name], name);
  }
});
