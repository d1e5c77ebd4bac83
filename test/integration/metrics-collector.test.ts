// Zero-code metrics: trials that are shell scripts printing their metrics (no SDK) are tuned in the test
// cluster through the collector sidecar (spec.metricsCollector), and by `kubetune run` with the same parser.
// The trial Pods run on a process kubelet of this checkout started by the test (named through nodeName,
// as cluster-kubelet-restart does), so they get this checkout's sidecar and emptyDir support.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { waitFor } from "../cluster/wait.ts";
import { volumeHostDir } from "../cluster/kubelet/volumes.ts";
import { Results } from "../../controller/src/local/results.ts";
import { COLLECTOR_CONTAINER, COLLECTOR_VOLUME } from "../../controller/src/collect/sidecar.ts";
import { clients, root, startTestController, until, type Started } from "./controller-harness.ts";

const SCRIPT = join(root, "test/integration/fixtures/print-metrics.sh");
let cluster: TestCluster;
let ctl: Started | undefined;
let kubelet: ChildProcess | undefined;
let node: string;

type Obj = Awaited<ReturnType<ReturnType<typeof clients>["job"]>>;
type TrialStatus = { phase?: string; reason?: string; metrics?: Record<string, number>; curve?: { step: number; value: number }[] };

before(async () => {
  cluster = await withCluster({ namespacePrefix: "collect" });
  node = `${cluster.namespace}-node`;
  const log = openSync(join(cluster.dir, "logs", `kubelet-${node}.log`), "a");
  kubelet = spawn(process.execPath, [join(root, "test/cluster/kubelet/main.ts")], {
    env: { ...process.env, KUBECONFIG: join(cluster.dir, "kubelet.kubeconfig"), KUBETUNE_NODE_NAME: node, KUBETUNE_KUBELET_DIR: cluster.dir, KUBETUNE_KUBELET_BIND: "false" },
    stdio: ["ignore", log, log],
  });
  await waitFor(`node ${node} Ready`, async () => {
    const n = await clients(cluster).core.readNode({ name: node }).catch(() => undefined);
    return n?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? true : undefined;
  });
  ctl = await startTestController(cluster);
});

after(async () => {
  await ctl?.controller.stop();
  // Pods are deleted while their kubelet still runs, or they would stay Terminating.
  await cluster?.kubectl(["delete", "pods", "--all", "--wait=true", "--timeout=60s"]);
  if (kubelet && kubelet.exitCode === null) {
    const exited = once(kubelet, "exit");
    kubelet.kill("SIGTERM");
    await exited;
  }
  await clients(cluster).core.deleteNode({ name: node }).catch(() => undefined);
  await cluster?.cleanup();
});

/** A TuningJob whose trial is the print-metrics script, on this test's kubelet. */
function shellJob(name: string, spec: Record<string, unknown>, args: string[]): string {
  return stringify({
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name },
    spec: {
      objective: { metric: "loss", direction: "minimize" },
      search: { algorithm: "grid" },
      trialTemplate: { spec: { nodeName: node, restartPolicy: "Never", containers: [{ name: "trial", image: "busybox", command: ["sh", SCRIPT, "${params.x}", ...args] }] } },
      ...spec,
    },
  });
}

/** Applies this checkout's CRDs: suites of other checkouts sharing the cluster may have applied theirs. */
async function applyCrds(): Promise<void> {
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
}

/**
 * Applies a job and waits for its end. Suites of other checkouts sharing the cluster may apply CRDs
 * without spec.metricsCollector in between, and the API server then prunes the field: such a job is
 * deleted and applied again under a new name (the name used is returned).
 */
async function runJob(base: string, manifest: (name: string) => string): Promise<{ name: string; job: Obj; trials: Map<string, TrialStatus> }> {
  const api = clients(cluster);
  let name = base;
  for (let attempt = 1; ; attempt++) {
    await applyCrds();
    const applied = await cluster.kubectl(["apply", "-f", "-"], { input: manifest(name) });
    assert.equal(applied.code, 0, applied.stderr);
    if ((await api.job(name)).spec?.metricsCollector !== undefined) break;
    assert.ok(attempt < 3, "spec.metricsCollector was pruned three times: CRDs without it keep being applied to the shared cluster");
    await cluster.kubectl(["delete", "tuningjob", name, "--wait=true"]);
    name = `${base}${attempt}`;
  }
  const job = await until(
    `job ${name} to finish`,
    async () => {
      const j = await api.job(name);
      return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
    },
    120_000,
    async () => `${JSON.stringify((await api.job(name)).status)}\n${ctl?.logs.slice(-20).join("\n")}`,
  );
  const trials = new Map((await api.trials()).filter((t) => t.metadata?.labels?.["kubetune.io/job"] === name).map((t) => [(t.metadata?.name ?? "").replace(`${name}-`, ""), (t.status ?? {}) as TrialStatus]));
  return { name, job, trials };
}

/** The (step, loss) points in output lines such as `epoch=3 loss=0.5` or `@@kubetune {...}`. */
function printedPoints(text: string): { step: number; value: number }[] {
  return [...text.matchAll(/epoch=(\d+) loss=([0-9.]+)|"step":(\d+),"metrics":\{"loss":([0-9.]+)\}/g)].map((m) => ({ step: Number(m[1] ?? m[3]), value: Number(m[2] ?? m[4]) }));
}

test("kind stdout, format keyvalue: every printed point is in the Trial's curve, the malformed line is counted, and ASHA stops the bad trial (its Pod is deleted)", async () => {
  const EPOCHS = 20;
  const { name, job, trials } = await runJob("kv", (n) =>
    shellJob(n, {
      parameters: [{ name: "x", type: "discrete", values: [0.3, 0.9] }],
      earlyStopping: { algorithm: "asha", settings: { minResource: 2, reductionFactor: 2, maxResource: EPOCHS } },
      budget: { maxTrials: 2, parallelTrials: 1, maxFailedTrials: 0 },
      metricsCollector: { kind: "stdout", format: "keyvalue" },
    }, [String(EPOCHS), "keyvalue"]),
  );
  assert.equal(job.status?.phase, "Succeeded", JSON.stringify(job.status));
  const good = trials.get("00000");
  assert.equal(good?.phase, "Succeeded", JSON.stringify(good));
  const printed = printedPoints(await cluster.podLog(`${name}-00000`, "trial"));
  assert.equal(printed.length, EPOCHS, "the trial's output reaches kubectl logs (the Pod log) through the wrapper");
  assert.deepEqual(good?.curve, printed, "every printed point is in the curve");
  assert.equal(good?.metrics?.collector_malformed_lines, 1, "the 'settings x=…' line is counted, not fatal");

  const bad = trials.get("00001");
  assert.equal(bad?.phase, "EarlyStopped", JSON.stringify(bad));
  assert.match(bad?.reason ?? "", /^asha:/);
  for (const p of bad?.curve ?? []) assert.ok(p.value > 0.36, `the stopped trial's points are its own: ${JSON.stringify(p)}`);
  await waitFor("the stopped trial's Pod to be deleted", async () => ((await clients(cluster).pods()).some((p) => p.metadata?.name === `${name}-00001`) ? undefined : true));
  const podDirs = readdirSync(join(cluster.dir, "logs", "pods")).filter((d) => d.startsWith(`${cluster.namespace}_${name}-00001_`));
  const sidecarLog = podDirs.map((d) => readFileSync(join(cluster.dir, "logs", "pods", d, `${COLLECTOR_CONTAINER}.log`), "utf8")).join("");
  assert.match(sidecarLog, /"msg":"collector done"/, `the collector drained and exited after the SIGTERM:\n${sidecarLog}`);
});

test("a collector killed mid-trial is restarted, reads the file again from its start, and the curve has every point once", async () => {
  const EPOCHS = 30;
  const kubeletLog = join(cluster.dir, "logs", `kubelet-${node}.log`);
  const manifest = (n: string) =>
    shellJob(n, {
      parameters: [{ name: "x", type: "discrete", values: [0.4] }],
      budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 0 },
      metricsCollector: { kind: "stdout", format: "keyvalue" },
    }, [String(EPOCHS), "keyvalue"]);
  const killer = (async () => {
    // The collector's pid, from the kubelet's "started <ns>/<pod>/kubetune-collector pid N" line; killed once a few epochs are out.
    const started = new RegExp(`started ${cluster.namespace}/(restart\\d?)-00000/${COLLECTOR_CONTAINER} pid (\\d+)`);
    const [, job, pid] = await waitFor("the collector to start", async () => started.exec(readFileSync(kubeletLog, "utf8")) ?? undefined);
    await waitFor("a few epochs", async () => ((await cluster.podLog(`${job}-00000`, "trial").catch(() => "")).includes("epoch=5 ") ? true : undefined));
    process.kill(Number(pid), "SIGKILL");
  })();
  const { name, job, trials } = await runJob("restart", manifest);
  await killer;
  assert.equal(job.status?.phase, "Succeeded", JSON.stringify(job.status));
  const pod = await clients(cluster).core.readNamespacedPod({ name: `${name}-00000`, namespace: cluster.namespace });
  assert.ok((pod.status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 1, "the collector was restarted");
  const printed = printedPoints(await cluster.podLog(`${name}-00000`, "trial"));
  assert.equal(printed.length, EPOCHS);
  assert.deepEqual(trials.get("00000")?.curve, printed, "every point once, none lost while the collector was down");
});

test("kind file, format json: the stdout protocol lines written to a file are collected, a broken one counted", async () => {
  const path = "/var/run/train/metrics.log";
  const { name, job, trials } = await runJob("file", (n) =>
    shellJob(n, {
      parameters: [{ name: "x", type: "discrete", values: [0.1, 0.5] }],
      budget: { maxTrials: 2, parallelTrials: 2, maxFailedTrials: 0 },
      metricsCollector: { kind: "file", path, format: "json" },
    }, ["4", "json", path]),
  );
  assert.equal(job.status?.phase, "Succeeded", JSON.stringify(job.status));
  for (const index of ["00000", "00001"]) {
    const t = trials.get(index);
    const pod = await clients(cluster).core.readNamespacedPod({ name: `${name}-${index}`, namespace: cluster.namespace });
    const written = readFileSync(join(volumeHostDir(cluster.dir, pod, COLLECTOR_VOLUME), "metrics.log"), "utf8");
    assert.equal(printedPoints(written).length, 4);
    assert.deepEqual(t?.curve, printedPoints(written), `${name}-${index}: every written point is in the curve`);
    assert.equal(t?.metrics?.collector_malformed_lines, 1);
  }
});

test("a trial whose collector never sees the objective fails, and the reason names the collector", async () => {
  const { trials } = await runJob("noobj", (n) =>
    shellJob(n, {
      parameters: [{ name: "x", type: "discrete", values: [0.5] }],
      budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 1 },
      metricsCollector: { kind: "stdout", format: "regex", pattern: "^acc (?<acc>\\S+)$" },
    }, ["3", "regex"]),
  );
  const t = trials.get("00000");
  assert.equal(t?.phase, "Failed");
  assert.match(t?.reason ?? "", /without reporting the objective metric "loss": the metrics collector read stdout \(format regex "\^acc/);
  assert.equal(t?.metrics?.acc, 0.3, "the metrics it did print were collected");
  assert.equal(t?.metrics?.collector_malformed_lines, 1, "'acc n/a' matched the pattern but is not a number");
});

test("kubetune run reads the same script's stdout with the job's collector format", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-collect-run-"));
  const manifest = join(dir, "job.yaml");
  writeFileSync(manifest, shellJob("local", {
    parameters: [{ name: "x", type: "discrete", values: [0.3, 0.7] }],
    budget: { maxTrials: 2, parallelTrials: 2, maxFailedTrials: 0 },
    metricsCollector: { kind: "stdout", format: "keyvalue" },
  }, ["3", "keyvalue"]));
  const out = join(dir, "run");
  const child = spawn(process.execPath, [join(root, "controller/src/cli/bin.ts"), "run", manifest, "--out", out, "--quiet"], { cwd: root, env: { ...process.env, STEP_SECONDS: "0" } });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "close")) as [number];
  assert.equal(code, 0, stderr);
  const results = Results.parse(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
  // The best loss of each trial is its last epoch's: (x - 0.3)^2 + 1/3, as printed with 6 decimals.
  assert.deepEqual(results.trials.map((t) => [t.name, t.outcome, t.value, t.curve.length]), [
    ["local-00000", "succeeded", 0.333333, 3],
    ["local-00001", "succeeded", 0.493333, 3],
  ]);
  assert.match(stderr + readFileSync(join(out, "logs", "local-00000.log"), "utf8"), /settings x=0\.3/, "the malformed line is kept in the trial's log");
});

test("kubetune run refuses kind file with a message that says to use kind stdout locally", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-collect-run-"));
  const manifest = join(dir, "job.yaml");
  writeFileSync(manifest, shellJob("localfile", {
    parameters: [{ name: "x", type: "discrete", values: [0.3] }],
    budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 0 },
    metricsCollector: { kind: "file", path: "/out/metrics.log", format: "json" },
  }, ["1", "json", "/out/metrics.log"]));
  const out = join(dir, "run");
  const child = spawn(process.execPath, [join(root, "controller/src/cli/bin.ts"), "run", manifest, "--out", out, "--quiet"], { cwd: root });
  await once(child, "close");
  const results = Results.parse(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
  assert.equal(results.trials[0]?.phase, "Failed");
  assert.match(results.trials[0]?.reason ?? "", /kind file \(\/out\/metrics\.log\) is read by a sidecar in a cluster only.*use kind: stdout with format json/);
});
