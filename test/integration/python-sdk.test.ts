import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { Results } from "../../controller/src/local/results.ts";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, root, scrape, startTestController, until, type Started } from "./controller-harness.ts";

// A Python trial (sdk/python/examples/toy_loop.py, run by the venv test/prereqs.sh makes) in the test cluster
// and under `kubetune run`: it reports through the Python SDK, and the controller's early stop reaches it.
const python = join(root, ".venv/bin/python");
const script = join(root, "sdk/python/examples/toy_loop.py");
if (!existsSync(python)) throw new Error(`${python} is missing; run bash test/prereqs.sh (it creates the venv and installs sdk/python)`);

const EPOCHS = 20;
const LR = 0.3;

/** Two trials in grid order, offset 0 then 1: ASHA (η 2, first rung at step 2) stops the second one, whose loss is 1 higher; its 10 s of epochs leave the stop seconds to arrive. */
function pythonJob(name: string): Record<string, unknown> {
  return {
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name },
    spec: {
      objective: { metric: "val_loss", direction: "minimize" },
      parameters: [
        { name: "offset", type: "discrete", values: [0, 1] },
        { name: "lr", type: "discrete", values: [LR] },
        { name: "epochs", type: "discrete", values: [EPOCHS] },
        { name: "epoch_seconds", type: "discrete", values: [0.5] },
      ],
      search: { algorithm: "grid" },
      earlyStopping: { algorithm: "asha", settings: { minResource: 2, reductionFactor: 2, maxResource: EPOCHS, rankBy: "value" } },
      budget: { maxTrials: 2, parallelTrials: 1, maxFailedTrials: 0 },
      trialTemplate: { spec: { restartPolicy: "Never", containers: [{ name: "trial", image: "python:3.12-slim", command: [python, script] }] } },
    },
  };
}

const expectedCurve = (offset: number, steps: number) => Array.from({ length: steps }, (_, i) => ({ step: i + 1, value: offset + (1 - LR) ** (i + 1) }));

function assertCurve(actual: { step: number; value: number }[], offset: number, steps: number): void {
  const want = expectedCurve(offset, steps);
  assert.deepEqual(actual.map((p) => p.step), want.map((p) => p.step));
  for (const [i, p] of actual.entries()) assert.ok(Math.abs(p.value - (want[i]?.value ?? Number.NaN)) < 1e-12, `step ${p.step}: ${p.value} ≠ ${want[i]?.value}`);
}

let cluster: TestCluster;
let ctl: Started | undefined;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "py-sdk" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await ctl?.controller.stop();
  await cluster?.cleanup();
});

test("a Python trial reports over NATS (signed) in the cluster, and ASHA's early stop reaches its on_stop", async () => {
  ctl = await startTestController(cluster);
  const api = clients(cluster);
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: stringify(pythonJob("pyloop")) });
  assert.equal(applied.code, 0, applied.stderr);
  const job = await until(
    "the job to finish",
    async () => {
      const j = await api.job("pyloop");
      return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
    },
    120_000,
    async () => `${JSON.stringify((await api.job("pyloop")).status)}\n${ctl?.logs.slice(-20).join("\n")}`,
  );
  assert.equal(job.status?.phase, "Succeeded", JSON.stringify(job.status));

  type TrialStatus = { phase: string; reason?: string; lastStep?: number; curve: { step: number; value: number }[] };
  const trials = await api.trials();
  const byOffset = (o: number) => trials.find((t) => (t.spec as { params: { offset: number } }).params.offset === o);
  const good = byOffset(0);
  const bad = byOffset(1);
  const goodStatus = good?.status as TrialStatus;
  const badStatus = bad?.status as TrialStatus;
  assert.equal(goodStatus.phase, "Succeeded", JSON.stringify(goodStatus));
  assertCurve(goodStatus.curve, 0, EPOCHS);

  assert.equal(badStatus.phase, "EarlyStopped", JSON.stringify(badStatus));
  assert.match(badStatus.reason ?? "", /^asha: val_loss/);
  const stoppedAt = badStatus.lastStep ?? EPOCHS;
  assert.ok(stoppedAt < EPOCHS, `stopped before its last epoch (lastStep ${stoppedAt})`);
  assertCurve(badStatus.curve, 1, stoppedAt);

  const name = bad?.metadata?.name ?? "";
  const pod = (await api.pods()).find((p) => p.metadata?.name === name);
  assert.equal(pod?.status?.phase, "Succeeded", "the stopped trial exited 0 on the stop request, not killed after the grace period");
  const log = await cluster.podLog(name);
  assert.match(log, /toy_loop: on_stop ran: asha: val_loss/);
  assert.match(log, new RegExp(`toy_loop: done after ${stoppedAt} epochs via nats`));
  assert.doesNotMatch(log, /KUBETUNE_REPORT_KEY is not set/);

  // The controller checked every report's signature (its consumer reads only this namespace) and took them all.
  const text = await scrape(ctl.controller);
  const count = (result: string) => Number(new RegExp(`kubetune_metric_messages_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? "NaN");
  assert.equal(count("accepted"), EPOCHS + 1 + stoppedAt + 1, "every report of both trials, finals included");
  assert.equal(count("unsigned") + count("bad_signature"), 0);
});

test("the same Python trial under `kubetune run` reports over stdout and is stopped through stdin", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-py-run-"));
  const path = join(dir, "pyloop.yaml");
  writeFileSync(path, stringify(pythonJob("pyloop-local")));
  const out = join(dir, "out");
  const run = spawn(process.execPath, [join(root, "controller/src/cli/bin.ts"), "run", path, "--out", out, "--grace", "5"], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
  let stderr = "";
  run.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => run.on("close", resolve));
  assert.equal(code, 0, stderr);

  const res = Results.parse(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
  assert.equal(res.trials.length, 2);
  const good = res.trials.find((t) => t.params.offset === 0);
  const bad = res.trials.find((t) => t.params.offset === 1);
  assert.equal(good?.outcome, "succeeded", JSON.stringify(good));
  assertCurve(good?.curve ?? [], 0, EPOCHS);
  assert.equal(bad?.outcome, "earlyStopped", JSON.stringify(bad));
  assert.match(bad?.reason ?? "", /^asha: val_loss/);
  assert.ok((bad?.curve.length ?? EPOCHS) < EPOCHS);
  assertCurve(bad?.curve ?? [], 1, bad?.curve.length ?? 0);
  const log = readFileSync(join(out, "logs", `${bad?.name}.log`), "utf8");
  assert.match(log, /toy_loop: on_stop ran: asha: val_loss/);
  // The curve ends at the step that stopped the trial (kubetune run's trial order); the process may
  // finish an epoch more before the stop reaches it, and it still stops long before its 20.
  const ran = Number(/toy_loop: done after (\d+) epochs via stdio/.exec(log)?.[1]);
  assert.ok(ran >= (bad?.curve.length ?? 0) && ran < EPOCHS, log);
  assert.doesNotMatch(log, /@@kubetune/, "report lines are taken out of the trial's output");
  assert.equal(res.best?.name, good?.name);
});
