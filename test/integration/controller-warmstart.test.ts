import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { TuningJobSpec } from "../../controller/src/api/tuningjob.ts";
import type { Trial } from "../../controller/src/api/trial.ts";
import type { WarmObservation } from "../../controller/src/api/warm-start.ts";
import { createTuner } from "../../controller/src/engine/tuner.ts";
import { finishedOrder, trialViewOf } from "../../controller/src/kube/objects.ts";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, spawnTestController, until, type ChildController } from "./controller-harness.ts";

let cluster: TestCluster;
const children: ChildController[] = [];

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-warm" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
  await cluster?.cleanup();
});

type Status = { phase?: string; reason?: string; progress?: string; completionTime?: string; warmStart?: { observations: WarmObservation[]; skipped: number }; conditions?: { type: string; reason?: string }[] };
const EPOCHS = 4;
const launchedParams = async (t: ReturnType<typeof createTuner>) => (await t.next()).flatMap((a) => (a.type === "launch" ? [a.trial.params] : []));

test("a warm-started job waits for the earlier job, then its first suggestions are the warm-started optimizer's; raising its maxTrials resumes it, across a controller restart", async () => {
  const api = clients(cluster);
  const first = spawnTestController(cluster, "ctl-warm-1");
  children.push(first);
  const logs = async () => first.logs.slice(-20).join("\n");
  // Applied together: the warm-started job waits until the earlier one has finished.
  const earlier = irisJob("warm-earlier", { budget: { maxTrials: 4, parallelTrials: 2, maxFailedTrials: 0 } }, EPOCHS);
  const warmSearch = { algorithm: "tpe", seed: 5, settings: { startupTrials: 2 }, warmStart: { jobs: ["warm-earlier"] } };
  const warm = irisJob("warm-later", { search: warmSearch, budget: { maxTrials: 2, parallelTrials: 2, maxFailedTrials: 0 } }, EPOCHS);
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: `${warm}---\n${earlier}` });
  assert.equal(applied.code, 0, applied.stderr);
  await until("the warm-started job to say it waits", async () => ((await api.events()).some((e) => e.reason === "WarmStartWaiting" && e.involvedObject.name === "warm-later") ? true : undefined), 60_000, logs);
  assert.ok((await api.trials()).every((t) => !t.metadata?.name?.startsWith("warm-later")), "no trial before the earlier job has finished");

  const recorded = await until("the warm start to be recorded", async () => {
    const s = (await api.job("warm-later")).status as Status | undefined;
    return s?.warmStart;
  }, 180_000, logs);
  const earlierStatus = (await api.job("warm-earlier")).status as Status;
  assert.equal(earlierStatus.phase, "Succeeded");
  assert.equal(recorded.observations.length + recorded.skipped, 4, "every finished trial of the earlier job is taken or counted");
  assert.equal(recorded.skipped, 0);

  const later = await api.job("warm-later");
  const spec = TuningJobSpec.parse(later.spec);
  const laterTrials = async () => ((await api.trials()) as unknown as Trial[]).filter((t) => t.metadata.name.startsWith("warm-later-")).sort((a, b) => a.spec.index - b.spec.index);
  const firstTwo = await until("the warm-started job's first trials", async () => {
    const ts = await laterTrials();
    return ts.length >= 2 ? ts : undefined;
  }, 60_000, logs);
  const expected = await launchedParams(createTuner({ job: "warm-later", spec, warm: recorded.observations }));
  assert.deepEqual(firstTwo.map((t) => t.spec.params), expected, "the first suggestions are those of an optimizer told the earlier job's trials");
  assert.notDeepEqual(expected, await launchedParams(createTuner({ job: "warm-later", spec })), "and differ from a cold start's");

  // Finished with MaxTrialsReached; raising maxTrials resumes it.
  await until("the warm-started job to finish", async () => (((await api.job("warm-later")).status as Status | undefined)?.phase === "Succeeded" ? true : undefined), 180_000, logs);
  const stored = await laterTrials();
  const patched = await cluster.kubectl(["patch", "tuningjob", "warm-later", "--type=merge", "-p", JSON.stringify({ spec: { budget: { maxTrials: 3 } } })]);
  assert.equal(patched.code, 0, patched.stderr);
  const resumed = await until("the job to resume", async () => {
    const s = (await api.job("warm-later")).status as Status | undefined;
    return s?.phase === "Running" ? s : undefined;
  }, 60_000, logs);
  assert.equal(resumed.conditions?.find((c) => c.type === "Extended")?.reason, "MaxTrialsRaised");
  assert.equal(resumed.completionTime, undefined);
  assert.ok((await api.events()).some((e) => e.reason === "Resumed" && /budget.maxTrials raised to 3/.test(e.message ?? "")));

  // A controller killed mid-extension is replaced; the new one takes the job to the new count.
  first.child.kill("SIGKILL");
  await first.exited;
  const second = spawnTestController(cluster, "ctl-warm-2");
  children.push(second);
  const done = await until("the extended job to finish", async () => {
    const s = (await api.job("warm-later")).status as Status | undefined;
    return s?.phase === "Succeeded" || s?.phase === "Failed" ? s : undefined;
  }, 180_000, async () => second.logs.slice(-20).join("\n"));
  assert.deepEqual([done.phase, done.reason, done.progress], ["Succeeded", "MaxTrialsReached", "3/3"]);
  const all = await laterTrials();
  assert.deepEqual(all.map((t) => t.metadata.name), ["warm-later-00000", "warm-later-00001", "warm-later-00002"]);
  // The third trial is what the search rebuilt from the first two (and the warm start) suggests.
  const order = finishedOrder(stored);
  const views = stored.map((t) => ({ ...trialViewOf(t), finishedOrder: order.get(t.metadata.name) ?? t.spec.index }));
  const extended = TuningJobSpec.parse({ ...later.spec, budget: { ...spec.budget, maxTrials: 3 } });
  const third = await launchedParams(createTuner({ job: "warm-later", spec: extended, warm: recorded.observations, trials: views, unfinished: "keep" }));
  assert.deepEqual(all[2]?.spec.params, third[0]);
  second.child.kill("SIGTERM");
  await second.exited;
});
