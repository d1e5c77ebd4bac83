// One scenario: a fresh namespace and a fresh `kubetune controller` process watching it, M TuningJobs
// applied with one `kubectl apply`, measured until every job has finished.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi, Watch, type KubernetesObject } from "@kubernetes/client-node";
import { withCluster, type TestCluster } from "../../test/cluster/with-cluster.ts";
import { startJobController } from "../../test/cluster/job-controller.ts";
import { apiCreateRate } from "./ceiling.ts";
import { jobsManifest, type JobShape } from "./job.ts";
import { cpuSeconds, rssBytes } from "./proc.ts";
import { histogram, quantile, sample, since } from "./prom.ts";
import { apiWrites, writesPerTrial } from "./writes.ts";

const root = join(import.meta.dirname, "../..");

/** What to run. */
export interface Scenario {
  label: string;
  jobs: number;
  shape: JobShape;
  timeoutMs: number;
  /** Extra `kubetune controller` flags. */
  controllerArgs: string[];
  /** Where the controller's log goes. */
  logDir: string;
  /** Write a V8 CPU profile of the controller here. */
  profileDir?: string;
  /** The controller's V8 old-space limit (--max-old-space-size), MiB; Node's default when absent. */
  heapMiB?: number;
}

/** What was measured. */
export interface ScenarioResult {
  label: string;
  jobs: number;
  trials: number;
  parallel: number;
  /** Jobs that reached Succeeded (the rest failed or timed out). */
  succeeded: number;
  trialsCreated: number;
  /** Trials seen created per second, from the first Trial to the last one. */
  createdPerSecond: number;
  podsPerSecond: number;
  /** From the start of the `kubectl apply`s to the last one done (s): trials cannot be created faster than their jobs arrive. */
  applySeconds: number;
  /** `kubectl apply` start to each job's first Pod (ms): median and slowest job. */
  firstPodMs: { median: number; max: number };
  /** `kubectl apply` start to the last job finished (s). */
  wallSeconds: number;
  finishedPerSecond: number;
  reconcile: { count: number; p50: number; p99: number; mean: number };
  queueDepth: { max: number; mean: number };
  rssPeakBytes: number;
  cpuSeconds: number;
  /** CPU seconds per wall second of the controller while the scenario ran (1 = one core). */
  cpuCores: number;
  largestJobBytes: number;
  largestTrialBytes: number;
  timedOut: boolean;
  /** ConfigMap creates/s the API server served just before the scenario (16 in flight). */
  apiCreatesPerSecond: number;
  /** API writes per trial created, by verb and resource (cluster-wide, so the kubelet's are included). */
  writesPerTrial: [string, number][];
  /** Peak V8 heap in use (nodejs_heap_size_used_bytes). */
  heapPeakBytes: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `kubectl apply` processes run at once, each with its share of the scenario's jobs. */
const APPLY_PARALLEL = 8;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[Math.floor((s.length - 1) / 2)] as number);
}

/** Starts `kubetune controller` on the scenario's namespace; resolves with its process and metrics port. */
async function startController(cluster: TestCluster, s: Scenario): Promise<{ child: ChildProcess; port: number }> {
  const ns = cluster.namespace;
  const args = [
    join(root, "controller/src/cli/bin.ts"), "controller",
    `--namespaces=${ns}`, `--kubeconfig=${cluster.kubeconfigPath}`, `--nats-url=${cluster.natsUrl}`, `--consumer=bench-${ns}`,
    "--metrics-port=0", "--metrics-host=127.0.0.1", `--lease-name=kubetune-${ns}`, `--lease-namespace=${ns}`, `--identity=bench-${ns}`,
    ...s.controllerArgs,
  ];
  const prof = s.profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${s.profileDir}`];
  const heap = s.heapMiB === undefined ? [] : [`--max-old-space-size=${s.heapMiB}`];
  const child = spawn(process.execPath, [...heap, ...prof, ...args], { cwd: root, env: { ...process.env, KUBETUNE_SIGNING_KEY: randomBytes(32).toString("hex") }, stdio: ["ignore", "ignore", "pipe"] });
  const log = createWriteStream(join(s.logDir, `controller-${ns}.log`));
  let rest = "";
  const port = new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the controller exited (${code}) before serving /metrics; see ${join(s.logDir, `controller-${ns}.log`)}`)));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      log.write(d);
      const lines = (rest + d).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) {
        const m = /"msg":"serving \/metrics[^"]*".*"port":(\d+)/.exec(l);
        if (m) resolve(Number(m[1]));
      }
    });
  });
  const p = await port;
  for (;;) {
    const r = await fetch(`http://127.0.0.1:${p}/readyz`).catch(() => undefined);
    if (r?.ok) break;
    await sleep(200);
  }
  return { child, port: p };
}

/** Records when each object of a kind is first seen (watch ADDED), restarting the watch if it ends. */
function firstSeen(cluster: TestCluster, path: string): { seen: Map<string, number>; byJob: Map<string, number>; stop(): void } {
  const seen = new Map<string, number>();
  const byJob = new Map<string, number>();
  let stopped = false;
  let abort: { abort(): void } | undefined;
  const watch = new Watch(cluster.kc);
  const start = (): void => {
    if (stopped) return;
    void watch.watch(path, { allowWatchBookmarks: false }, (type: string, obj: KubernetesObject) => {
      const name = obj.metadata?.name;
      if (type !== "ADDED" || !name || seen.has(name)) return;
      const t = Date.now();
      seen.set(name, t);
      const job = obj.metadata?.labels?.["kubetune.io/job"];
      if (job && !byJob.has(job)) byJob.set(job, t);
    }, () => setTimeout(start, 100)).then((c) => { abort = c; }, () => setTimeout(start, 500));
  };
  start();
  return { seen, byJob, stop: () => { stopped = true; abort?.abort(); } };
}

/** Runs one scenario on the test cluster and measures it. */
export async function runScenario(s: Scenario, progress: (line: string) => void): Promise<ScenarioResult> {
  const cluster = await withCluster({ namespacePrefix: "bench-ctl" });
  const ns = cluster.namespace;
  // The shared cluster runs no Job controller; Job trials need one for their Pods.
  const jobController = s.shape.trialKind === "job" ? startJobController(cluster) : undefined;
  const custom = cluster.kc.makeApiClient(CustomObjectsApi);
  const crds = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  if (crds.code !== 0) throw new Error(`applying the CRDs failed: ${crds.stderr}`);
  const apiCreatesPerSecond = await apiCreateRate(cluster.kubeconfigPath, ns);
  const { child, port } = await startController(cluster, s);
  const pid = child.pid ?? 0;
  const scrape = async (): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const before = histogram(await scrape(), "controller_runtime_reconcile_time_seconds", { controller: "tuningjob" });
  const trials = firstSeen(cluster, `/apis/kubetune.io/v1alpha1/namespaces/${ns}/trials`);
  const pods = firstSeen(cluster, `/api/v1/namespaces/${ns}/pods`);
  await sleep(500);

  const depths: number[] = [];
  let rssPeak = 0;
  let heapPeak = 0;
  const writes0 = await apiWrites(cluster);
  const cpu0 = cpuSeconds(pid) ?? 0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssBytes(pid) ?? 0);
    scrape().then((t) => {
      depths.push(sample(t, "workqueue_depth", { name: "tuningjob" }) ?? 0);
      heapPeak = Math.max(heapPeak, sample(t, "nodejs_heap_size_used_bytes") ?? 0);
    }, () => undefined);
  }, 1000);

  const total = s.jobs * s.shape.trials;
  progress(`${s.label}: ${s.jobs} job(s) × ${s.shape.trials} trials (${s.shape.parallel} at once) in ${ns}, controller pid ${pid}`);
  const t0 = Date.now();
  // kubectl apply creates one object after the other (≈ 0.2 s each here), which alone held 200 jobs
  // to ≈ 23 trials/s; several in parallel let the controller, not the apply, set the pace.
  const chunk = Math.ceil(s.jobs / APPLY_PARALLEL);
  await Promise.all(Array.from({ length: Math.ceil(s.jobs / chunk) }, (_, c) => c * chunk).map(async (first) => {
    const applied = await cluster.kubectl(["apply", "-f", "-"], { input: jobsManifest("bench", Math.min(chunk, s.jobs - first), s.shape, first), timeoutMs: 300_000 });
    if (applied.code !== 0) throw new Error(`kubectl apply failed: ${applied.stderr}`);
  }));
  const applySeconds = (Date.now() - t0) / 1000;
  let done: { phase?: string }[] = [];
  let timedOut = false;
  let lastReport = 0;
  for (;;) {
    const list = (await custom.listNamespacedCustomObject({ group: "kubetune.io", version: "v1alpha1", namespace: ns, plural: "tuningjobs" })) as { items: { status?: { phase?: string } }[] };
    done = list.items.map((j) => j.status ?? {}).filter((st) => st.phase === "Succeeded" || st.phase === "Failed");
    if (done.length === s.jobs) break;
    if (Date.now() - t0 > s.timeoutMs) {
      timedOut = true;
      break;
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      progress(`  ${((Date.now() - t0) / 1000).toFixed(0)} s: ${trials.seen.size}/${total} trials created, ${done.length}/${s.jobs} jobs finished, controller RSS ${((rssBytes(pid) ?? 0) / 2 ** 20).toFixed(0)} MiB`);
    }
    await sleep(500);
  }
  const wallMs = Date.now() - t0;
  clearInterval(sampler);
  const writes1 = await apiWrites(cluster);
  const cpu = (cpuSeconds(pid) ?? cpu0) - cpu0;
  const delta = since(histogram(await scrape(), "controller_runtime_reconcile_time_seconds", { controller: "tuningjob" }), before);
  trials.stop();
  pods.stop();

  // Sizes as stored: the compact JSON of each object (what `kubectl get -o json` prints, minus indentation).
  const sizes = async (plural: string): Promise<number> => {
    const list = (await custom.listNamespacedCustomObject({ group: "kubetune.io", version: "v1alpha1", namespace: ns, plural })) as { items: unknown[] };
    return Math.max(0, ...list.items.map((o) => Buffer.byteLength(JSON.stringify(o))));
  };
  const largestJobBytes = await sizes("tuningjobs");
  const largestTrialBytes = await sizes("trials");

  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  const span = (m: Map<string, number>): number => {
    const ts = [...m.values()];
    return ts.length < 2 ? NaN : (Math.max(...ts) - Math.min(...ts)) / 1000;
  };
  const firstPods = [...pods.byJob.values()].map((t) => t - t0);
  const result: ScenarioResult = {
    label: s.label,
    jobs: s.jobs,
    trials: s.shape.trials,
    parallel: s.shape.parallel,
    succeeded: done.filter((d) => d.phase === "Succeeded").length,
    trialsCreated: trials.seen.size,
    createdPerSecond: (trials.seen.size - 1) / span(trials.seen),
    podsPerSecond: (pods.seen.size - 1) / span(pods.seen),
    applySeconds,
    firstPodMs: { median: median(firstPods), max: Math.max(...firstPods) },
    wallSeconds: wallMs / 1000,
    finishedPerSecond: trials.seen.size / (wallMs / 1000),
    reconcile: { count: delta.count, p50: quantile(delta, 0.5), p99: quantile(delta, 0.99), mean: delta.sum / Math.max(1, delta.count) },
    queueDepth: { max: Math.max(0, ...depths), mean: depths.reduce((a, b) => a + b, 0) / Math.max(1, depths.length) },
    rssPeakBytes: rssPeak,
    cpuSeconds: cpu,
    cpuCores: cpu / (wallMs / 1000),
    largestJobBytes,
    largestTrialBytes,
    timedOut,
    apiCreatesPerSecond,
    writesPerTrial: writesPerTrial(writes0, writes1, trials.seen.size),
    heapPeakBytes: heapPeak,
  };
  progress(`  done in ${result.wallSeconds.toFixed(1)} s; deleting namespace ${ns}`);
  await jobController?.stop();
  await cluster.cleanup();
  // The next scenario should not share the machine with this one's garbage collection.
  const core = cluster.kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline && (await core.readNamespace({ name: ns }).then(() => true, () => false))) await sleep(1000);
  return result;
}
