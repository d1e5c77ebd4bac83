import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, spawnTestController, until, type ChildController } from "./controller-harness.ts";

let cluster: TestCluster;
const children: ChildController[] = [];

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-restart" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
  await cluster?.cleanup();
});

test("a controller killed mid-job is replaced: the job completes, every observation is kept, no trial is created twice", async () => {
  const EPOCHS = 20;
  const api = clients(cluster);
  const first = spawnTestController(cluster, "ctl-first");
  children.push(first);
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: irisJob("resume", { budget: { maxTrials: 6, parallelTrials: 2, maxFailedTrials: 0 } }, EPOCHS) });
  assert.equal(applied.code, 0, applied.stderr);

  // Every Pod UID seen per name: a second UID would mean a Pod was created twice for one trial.
  const podUids = new Map<string, Set<string>>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      for (const p of await api.pods()) {
        const name = p.metadata?.name ?? "";
        podUids.set(name, (podUids.get(name) ?? new Set()).add(p.metadata?.uid ?? ""));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  // Kill it while a trial is half-way through its epochs, after at least one trial has finished.
  await until("a finished trial and one mid-run", async () => {
    const ts = await api.trials();
    const done = ts.some((t) => (t.status as { phase?: string } | undefined)?.phase === "Succeeded");
    const mid = ts.some((t) => {
      const s = t.status as { phase?: string; lastStep?: number } | undefined;
      return s?.phase === "Running" && (s.lastStep ?? 0) >= 3;
    });
    return done && mid ? true : undefined;
  }, 120_000, async () => first.logs.slice(-20).join("\n"));
  first.child.kill("SIGKILL");
  await first.exited;
  const atKill = await api.trials();

  const second = spawnTestController(cluster, "ctl-second");
  children.push(second);
  const job = await until("the job to finish under the new controller", async () => {
    const j = await api.job("resume");
    return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
  }, 150_000, async () => `${JSON.stringify((await api.job("resume")).status)}\n${second.logs.slice(-30).join("\n")}`);
  watching = false;
  await watcher;
  second.child.kill("SIGTERM");
  assert.equal(await second.exited, 0, "SIGTERM shuts the controller down cleanly");

  const status = job.status as { phase: string; trials: Record<string, number>; progress: string };
  assert.equal(status.phase, "Succeeded", JSON.stringify(status));
  assert.deepEqual(status.trials, { pending: 0, running: 0, succeeded: 6, failed: 0, earlyStopped: 0 });
  const trials = await api.trials();
  assert.deepEqual(trials.map((t) => (t.spec as { index: number }).index).sort(), [0, 1, 2, 3, 4, 5], "six trials, none created twice");
  for (const t of trials) {
    const s = t.status as { curve: { step: number }[] };
    assert.equal(s.curve.length, EPOCHS, `${t.metadata?.name} kept all ${EPOCHS} observations (steps ${s.curve.map((p) => p.step).join(",")})`);
    assert.equal(podUids.get(t.metadata?.name ?? "")?.size, 1, `${t.metadata?.name} had exactly one Pod`);
  }
  // Trials stored before the kill keep their parameters: the new controller resumed rather than re-suggested.
  for (const before of atKill) {
    const now = trials.find((t) => t.metadata?.name === before.metadata?.name);
    assert.deepEqual(now?.spec, before.spec);
  }
  assert.ok(second.logs.some((l) => l.includes("job state rebuilt from its Trials")), "the new controller rebuilt the job from its Trials");
});
