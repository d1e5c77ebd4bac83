import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, scrape, startTestController, until, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
let ctl: Started | undefined;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-job" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await ctl?.controller.stop();
  await cluster?.cleanup();
});

test("a TuningJob runs to Succeeded with bestTrial, right counts, Events, and never more than parallelTrials Pods", async () => {
  ctl = await startTestController(cluster);
  const api = clients(cluster);
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: irisJob("iris") });
  assert.equal(applied.code, 0, applied.stderr);

  let maxRunning = 0;
  const job = await until(
    "the job to finish",
    async () => {
      const running = (await api.pods()).filter((p) => p.status?.phase === "Running" || p.status?.phase === "Pending").length;
      maxRunning = Math.max(maxRunning, running);
      const j = await api.job("iris");
      return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
    },
    150_000,
    async () => `${JSON.stringify((await api.job("iris")).status)}\n${ctl?.logs.slice(-30).join("\n")}`,
  );
  const status = job.status as { phase: string; reason: string; trials: Record<string, number>; bestTrial?: { name: string; value: number }; progress: string; observedGeneration: number; conditions: { type: string; status: string }[] };
  assert.equal(status.phase, "Succeeded", JSON.stringify(status));
  assert.equal(status.reason, "MaxTrialsReached");
  assert.equal(status.progress, "4/4");
  assert.deepEqual(status.trials, { pending: 0, running: 0, succeeded: 4, failed: 0, earlyStopped: 0 });
  assert.equal(status.observedGeneration, 1);
  assert.equal(status.conditions.find((c) => c.type === "Succeeded")?.status, "True");
  assert.ok(status.bestTrial && Number.isFinite(status.bestTrial.value), "bestTrial is set");
  assert.ok(maxRunning <= 2, `at most parallelTrials (2) Pods at once, saw ${maxRunning}`);

  const trials = await api.trials();
  assert.deepEqual(trials.map((t) => t.metadata?.name).sort(), ["iris-00000", "iris-00001", "iris-00002", "iris-00003"]);
  for (const t of trials) {
    const s = t.status as { phase: string; value: number; curve: { step: number }[]; metrics: Record<string, number> };
    assert.equal(s.phase, "Succeeded");
    assert.equal(s.curve.length, 6, `${t.metadata?.name} keeps all 6 epochs`);
    assert.ok("val_accuracy" in s.metrics);
    assert.equal(t.metadata?.ownerReferences?.[0]?.kind, "TuningJob");
  }
  const best = trials.map((t) => (t.status as { value: number }).value).reduce((a, b) => Math.min(a, b));
  assert.equal(status.bestTrial?.value, best);

  const pods = await api.pods();
  assert.equal(pods.length, 4, "one Pod per Trial");
  for (const p of pods) {
    assert.equal(p.metadata?.ownerReferences?.[0]?.kind, "Trial");
    const env = Object.fromEntries((p.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.KUBETUNE_TRIAL, p.metadata?.name);
    assert.equal(env.KUBETUNE_NAMESPACE, cluster.namespace);
    assert.ok(!(p.spec?.containers[0]?.args ?? []).some((a) => a.includes("${params.")), "parameters substituted");
  }

  const events = await until("events", async () => {
    const evs = await api.events();
    return evs.some((e) => e.reason === "JobSucceeded") ? evs : undefined;
  }, 10_000);
  // Creates are summarised on the job, one Event per reconcile that created trials; successes have none of their own.
  const summaries = events.filter((e) => e.reason === "TrialsCreated");
  assert.ok(summaries.every((e) => e.involvedObject.kind === "TuningJob" && e.involvedObject.name === "iris"), "TrialsCreated is on the job");
  const named = summaries.flatMap((e) => [...(e.message ?? "").matchAll(/iris-\d{5}/g)].map((m) => m[0]));
  assert.deepEqual(named.sort(), ["iris-00000", "iris-00001", "iris-00002", "iris-00003"], "each trial named once (a slice here is at most parallelTrials = 2 trials, both named)");
  assert.deepEqual(events.filter((e) => e.involvedObject.kind === "Trial").map((e) => e.reason), [], "no per-trial Normal Events");

  const text = await scrape(ctl.controller);
  assert.match(text, new RegExp(`kubetune_trials_finished_total\\{namespace="${cluster.namespace}",job="iris",outcome="Succeeded"\\} 4`));
  assert.match(text, /kubetune_metric_messages_total\{result="accepted"\} [1-9]/);
  assert.match(text, new RegExp(`kubetune_trials\\{namespace="${cluster.namespace}",job="iris",phase="succeeded"\\} 4`));
  assert.match(text, /kubetune_tuningjobs\{phase="Succeeded"\} 1/);
  assert.match(text, /controller_runtime_reconcile_total\{controller="tuningjob",result="\w+"\} [1-9]/);
  assert.match(text, /kubetune_leader 1/);
});
