import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, scrape, startTestController, until, type Started } from "./controller-harness.ts";
import { gridJob, gridSearchCV, root, venvPython } from "./sklearn-reference.ts";

let cluster: TestCluster;
let ctl: Started | undefined;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "sklearn" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await ctl?.controller.stop();
  await cluster?.cleanup();
});

/**
 * The example's manifest with what its image would provide on a real node: the working directory
 * holding examples/sklearn/ and the venv's python first on PATH. Command and args are the example's own.
 */
function onTheProcessKubelet(text: string): string {
  const job = parse(text) as { spec: { trialTemplate: { spec: { containers: Record<string, unknown>[] } } } };
  const container = job.spec.trialTemplate.spec.containers[0] as Record<string, unknown>;
  container.workingDir = root;
  container.env = [{ name: "PATH", value: `${dirname(venvPython)}:${process.env.PATH ?? "/usr/bin:/bin"}` }];
  return stringify(job);
}

test("ridge-grid runs in the cluster: Python trials report over NATS and the best trial is GridSearchCV(cv=5)'s", async () => {
  const job = gridJob("ridge-grid.yaml");
  const ref = gridSearchCV(job);
  ctl = await startTestController(cluster);
  const api = clients(cluster);
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: onTheProcessKubelet(job.text) });
  assert.equal(applied.code, 0, applied.stderr);

  const done = await until(
    "the job to finish",
    async () => {
      const j = await api.job(job.name);
      return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
    },
    240_000,
    async () => `${JSON.stringify((await api.job(job.name)).status)}\n${ctl?.logs.slice(-20).join("\n")}`,
  );
  const status = done.status as { phase: string; progress: string; trials: Record<string, number>; bestTrial?: { name: string; params: Record<string, number | string>; value: number; metrics?: Record<string, number> } };
  assert.equal(status.phase, "Succeeded", JSON.stringify(status));
  assert.equal(status.progress, `${job.alphas.length}/${job.alphas.length}`);
  assert.equal(status.trials.succeeded, job.alphas.length);
  assert.equal(status.bestTrial?.params.alpha, ref.best_params_.alpha, `best_params_ ${JSON.stringify(ref.best_params_)}`);
  assert.ok(Math.abs((status.bestTrial?.value ?? Number.NaN) - ref.best_score_) < 1e-9, `bestTrial.value ${status.bestTrial?.value} vs best_score_ ${ref.best_score_}`);

  for (const t of await api.trials()) {
    const s = t.status as { metrics: Record<string, number> };
    const i = job.alphas.indexOf(Number((t.spec as { params: Record<string, number> }).params.alpha));
    assert.ok(Math.abs((s.metrics.std_test_score ?? Number.NaN) - (ref.std_test_score[i] as number)) < 1e-9, `${t.metadata?.name}: std_test_score ${s.metrics.std_test_score}`);
  }
  // Five fold reports and a final one per trial, each signed with the trial's key and accepted.
  const accepted = Number(/kubetune_metric_messages_total\{result="accepted"\} (\d+)/.exec(await scrape(ctl.controller))?.[1] ?? 0);
  assert.ok(accepted >= 6 * job.alphas.length, `accepted reports: ${accepted}`);
});
