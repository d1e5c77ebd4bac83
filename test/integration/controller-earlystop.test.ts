import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, scrape, startTestController, until, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
let ctl: Started | undefined;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-stop" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await ctl?.controller.stop();
  await cluster?.cleanup();
});

test("with ASHA on, bad trials are stopped mid-run: their processes exit and their Trials say EarlyStopped with a reason", async () => {
  ctl = await startTestController(cluster);
  const api = clients(cluster);
  const EPOCHS = 30;
  const manifest = irisJob("asha", {
    parameters: [
      { name: "learningRate", type: "double", min: 0.00001, max: 0.3, scale: "log" },
      { name: "units", type: "int", min: 2, max: 32 },
    ],
    search: { algorithm: "random", seed: 11 },
    earlyStopping: { algorithm: "asha", settings: { minResource: 2, reductionFactor: 3, maxResource: EPOCHS } },
    budget: { maxTrials: 8, parallelTrials: 2, maxFailedTrials: 1 },
  }, EPOCHS);
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: manifest });
  assert.equal(applied.code, 0, applied.stderr);

  const job = await until(
    "the job to finish",
    async () => {
      const j = await api.job("asha");
      return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
    },
    170_000,
    async () => `${JSON.stringify((await api.job("asha")).status)}\n${ctl?.logs.slice(-30).join("\n")}`,
  );
  const status = job.status as { phase: string; trials: { earlyStopped: number; succeeded: number; failed: number } };
  assert.equal(status.phase, "Succeeded", JSON.stringify(status));
  assert.ok(status.trials.earlyStopped >= 1, `some trials were stopped early: ${JSON.stringify(status.trials)}`);
  assert.equal(status.trials.earlyStopped + status.trials.succeeded + status.trials.failed, 8);

  const trials = await api.trials();
  const stopped = trials.filter((t) => (t.status as { phase: string }).phase === "EarlyStopped");
  assert.equal(stopped.length, status.trials.earlyStopped);
  const pods = await api.pods();
  for (const t of stopped) {
    const s = t.status as { reason?: string; lastStep?: number; curve: { step: number }[] };
    assert.match(s.reason ?? "", /\S/, `${t.metadata?.name} says why it was stopped`);
    assert.ok((s.lastStep ?? EPOCHS) < EPOCHS, `${t.metadata?.name} stopped before its last epoch (lastStep ${s.lastStep})`);
    const pod = pods.find((p) => p.metadata?.name === t.metadata?.name);
    // The process exited on the stop request (Pod finished), or the Pod was deleted after the grace period.
    assert.ok(!pod || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed", `${t.metadata?.name}'s process is gone (Pod phase ${pod?.status?.phase})`);
  }
  const events = (await api.events()).filter((e) => e.reason === "EarlyStopped");
  assert.equal(events.length, stopped.length, "one EarlyStopped Event per stopped trial");
  assert.match(await scrape(ctl.controller), new RegExp(`kubetune_early_stopping_decisions_total\\{namespace="${cluster.namespace}",job="asha"\\} ${stopped.length}`));
});
