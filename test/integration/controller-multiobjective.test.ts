import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, startTestController, until, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
let ctl: Started | undefined;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-mo" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await ctl?.controller.stop();
  await cluster?.cleanup();
});

interface TrialStatus {
  phase: string;
  values?: number[];
  feasible?: boolean;
  infeasibleReason?: string;
}
interface JobStatus {
  phase: string;
  reason: string;
  message: string;
  bestTrial?: unknown;
  paretoFront?: { name: string; values: number[]; params: Record<string, unknown> }[];
  paretoFrontSize?: number;
}

/** `a` dominates `b` when both objectives are minimized. */
const dominates = (a: number[], b: number[]) => a.every((x, i) => x <= (b[i] as number)) && a.some((x, i) => x < (b[i] as number));

test("a 2-objective job with a constraint and a conditional parameter completes; its status front is the feasible non-dominated trials; violators are infeasible; inactive parameters are absent", async () => {
  ctl = await startTestController(cluster);
  const api = clients(cluster);
  // Grid over 3 widths × (adam, or sgd with 2 momentums): the trainer reports trainable_parameters =
  // 8·units + 3 (35, 131, 259) at step 0, so the 3 trials with 32 units break the bound of 200 whatever
  // they learn. momentum is active only with sgd: the grid has 3 × (1 + 2) = 9 points, not 3 × 2 × 2.
  const manifest = irisJob("mo", {
    objective: undefined,
    objectives: [
      { metric: "val_loss", direction: "minimize" },
      { metric: "trainable_parameters", direction: "minimize" },
    ],
    constraints: [{ metric: "trainable_parameters", max: 200 }],
    parameters: [
      { name: "learningRate", type: "discrete", values: [0.05] },
      { name: "units", type: "discrete", values: [4, 16, 32] },
      { name: "optimizer", type: "categorical", values: ["adam", "sgd"] },
      { name: "momentum", type: "discrete", values: [0.5, 0.9], when: { parameter: "optimizer", in: ["sgd"] } },
    ],
    search: { algorithm: "grid" },
    budget: { maxTrials: 12, parallelTrials: 2, maxFailedTrials: 1 },
    trialTemplate: {
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "trainer",
            image: "kubetune/trainer:0.1.0",
            command: [join(root, "bin/kubetune-trainer")],
            args: ["--dataset=iris", "--model=mlp", "--epochs=6", "--layers=1", "--units=${params.units}", "--learningRate=${params.learningRate}", "--optimizer=${params.optimizer}", "--momentum=${params.momentum:-0}", "--batchSize=16"],
          },
        ],
      },
    },
  });
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: manifest });
  assert.equal(applied.code, 0, applied.stderr);

  const job = await until(
    "the job to finish",
    async () => {
      const j = await api.job("mo");
      return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
    },
    240_000,
    async () => `${JSON.stringify((await api.job("mo")).status)}\n${ctl?.logs.slice(-30).join("\n")}`,
  );
  const status = job.status as unknown as JobStatus;
  assert.equal(status.phase, "Succeeded", JSON.stringify(status));
  assert.equal(status.reason, "SearchSpaceExhausted", "the conditional grid has exactly 9 points");
  assert.equal(status.bestTrial, undefined, "a multi-objective job has a front, not a best trial");

  const trials = await api.trials();
  assert.equal(trials.length, 9);
  const params = trials.map((t) => (t.spec?.params ?? {}) as Record<string, unknown>);
  for (const p of params) assert.equal("momentum" in p, p.optimizer === "sgd", `momentum is present exactly when optimizer is sgd: ${JSON.stringify(p)}`);
  assert.equal(new Set(params.map((p) => JSON.stringify(p))).size, 9, "every grid point once");
  const byName = new Map(trials.map((t) => [t.metadata?.name as string, { units: Number(t.spec?.params && (t.spec.params as Record<string, unknown>).units), s: t.status as unknown as TrialStatus }]));
  for (const [name, { units, s }] of byName) {
    assert.equal(s.phase, "Succeeded", name);
    assert.equal(s.values?.length, 2, `${name} has both values`);
    assert.equal(s.values?.[1], 8 * units + 3, `${name}: trainable_parameters of an MLP with ${units} units`);
    assert.equal(s.feasible, units !== 32, name);
    if (units === 32) assert.equal(s.infeasibleReason, "trainable_parameters = 259 is above max 200");
  }

  const feasible = [...byName].filter(([, t]) => t.s.feasible).map(([name, t]) => ({ name, values: t.s.values as number[] }));
  const expected = feasible.filter((a) => !feasible.some((b) => dominates(b.values, a.values))).map((a) => a.name).sort();
  const front = status.paretoFront ?? [];
  assert.deepEqual(front.map((m) => m.name).sort(), expected, "the front is exactly the feasible non-dominated trials");
  assert.ok(front.length >= 1 && front.length <= 32);
  assert.equal(status.paretoFrontSize, front.length);
  for (const m of front) assert.deepEqual(m.values, byName.get(m.name)?.s.values, `${m.name}'s values copied from its Trial`);
  assert.match(status.message, new RegExp(`; ${front.length} trials on the Pareto front$`));

  const wide = await cluster.kubectl(["get", "tj", "mo"]);
  assert.equal(wide.code, 0, wide.stderr);
  const [header, row] = wide.stdout.trim().split("\n");
  // Columns are left-aligned under their headers; BEST is empty for a multi-objective job.
  const at = (header as string).indexOf("FRONT");
  assert.ok(at > 0, `kubectl get tj has a FRONT column: ${header}`);
  assert.equal((row as string).slice(at).split(/\s+/)[0], String(front.length), wide.stdout);
});
