// The controller side of bench:ingest, in its own process (the bench pins it to one core): the real
// reconciler and work queue on an in-memory cluster, fed by the real ingest (JetStream durable consumer,
// or the same message handler on a core NATS subscription), publishing stop requests for real.
// Usage (forked by main.ts): node controller.ts <nats-url> <jetstream|core> <jobs> <trials per job> <verify: off|on>
import { randomBytes } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { connect } from "@nats-io/transport-node";
import { trialReportKey } from "../../controller/src/api/report-signature.ts";
import { startIngest } from "../../controller/src/ingest/consumer.ts";
import { createMessageHandler } from "../../controller/src/ingest/handler.ts";
import { PERSIST_INTERVAL_MS, persistTurns } from "../../controller/src/ingest/persist-batch.ts";
import { publishStop } from "../../controller/src/ingest/control.ts";
import { createReconciler } from "../../controller/src/kube/reconcile/reconciler.ts";
import { signatureHeader } from "../../controller/src/ingest/signature-header.ts";
import { startWorkQueue } from "../../controller/src/kube/workqueue.ts";
import { createLogger } from "../../controller/src/telemetry/log.ts";
import { createMetrics } from "../../controller/src/telemetry/metrics.ts";
import { memoryCluster } from "./cluster.ts";
import { benchJob } from "./job.ts";
import { ControllerRequest, NAMESPACE, Transport, Verify, type ControllerSample } from "./protocol.ts";

const [url = "", transportArg = "", jobsArg = "", trialsArg = "", verifyArg = ""] = process.argv.slice(2);
const transport = Transport.parse(transportArg);
// With verification, as `kubetune controller` runs by default: trials get keys, every report is checked.
const signingKey = Verify.parse(verifyArg) === "on" ? randomBytes(32) : undefined;
const keyed = signingKey ? { signingKey } : {};
const jobCount = Number(jobsArg);
const trialsPerJob = Number(trialsArg);
const send = (m: unknown): void => void process.send?.(m);

const log = createLogger("warn");
const metrics = createMetrics();
const cluster = memoryCluster();
const nc = await connect({ servers: url, name: "kubetune-controller" });
let stops = 0;
const queue = startWorkQueue((key) => reconciler.reconcile(key), { workers: 4 });
const reconciler = createReconciler({
  api: cluster.api,
  jobs: cluster.jobs,
  trials: cluster.trials,
  pods: cluster.pods,
  trialNatsUrl: url,
  ...(signingKey ? { reportKey: (t: Parameters<typeof trialReportKey>[1]) => trialReportKey(signingKey, t) } : {}),
  channel: {
    stop: async (a, reason) => {
      stops++;
      publishStop(nc, a, reason);
    },
    caughtUp: async () => true,
  },
  enqueue: (key) => queue.add(key),
  metrics,
  log,
  stopGraceMs: 600_000,
  settleMs: 30_000,
  synced: () => true,
});

// Load the jobs: trials and Pods are created, then the Pods run.
const keys = Array.from({ length: jobCount }, (_, i) => {
  const job = benchJob(i, trialsPerJob);
  cluster.addJob(job);
  return `${NAMESPACE}/${job.metadata.name}`;
});
// A reconcile creates a slice of a wide job's trials; repeat until every job runs all of them.
const wanted = jobCount * trialsPerJob;
for (let round = 0; round < 100 && cluster.trials.list(NAMESPACE).length < wanted; round++) for (const key of keys) await reconciler.reconcile(key);
cluster.startPods();
for (const key of keys) await reconciler.reconcile(key);
const trials = cluster.trials.list(NAMESPACE).map((t) => {
  const job = t.metadata?.labels?.["kubetune.io/job"] ?? "";
  const trial = t.metadata?.name ?? "";
  return { job, trial, ...(signingKey ? { key: trialReportKey(signingKey, { namespace: NAMESPACE, job, trial, uid: t.metadata?.uid ?? "" }) } : {}) };
});
if (trials.length !== wanted) throw new Error(`expected ${wanted} trials, the reconciler created ${trials.length}`);

let stopIngest: () => Promise<void> = async () => {};
const start = async (): Promise<void> => {
  if (transport === "jetstream") {
    const ingest = await startIngest({ nc, durable: "kubetune-controller", namespaces: [NAMESPACE], target: reconciler.target, metrics, log, ...keyed });
    stopIngest = () => ingest.stop();
    return;
  }
  // Core NATS: no storage, no acks; the same handler, and applied reports persisted after each burst
  // (one persist at a time, at most one per PERSIST_INTERVAL_MS), as the JetStream consumer does.
  const handle = createMessageHandler({ namespaces: [NAMESPACE], target: reconciler.target, metrics, log, ...keyed });
  let jobs = new Set<string>();
  let persisting = false;
  const turn = persistTurns(PERSIST_INTERVAL_MS);
  const persist = async (): Promise<void> => {
    while (jobs.size > 0) {
      await turn();
      const batch = jobs;
      jobs = new Set();
      await reconciler.target.persist(batch);
    }
    persisting = false;
  };
  const sub = nc.subscribe(`kubetune.metrics.${NAMESPACE}.>`, {
    callback: (err, m) => {
      if (err) return log.warn("subscription error", { error: err.message });
      handle(m.subject, m.data, jobs, signingKey ? signatureHeader(m) : undefined);
      if (!persisting && jobs.size > 0) {
        persisting = true;
        void persist();
      }
    },
  });
  stopIngest = async () => sub.unsubscribe();
};

// Event-loop delay, so the stop latency can be split into the controller's share and the rest's.
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

const sample = async (): Promise<ControllerSample> => {
  const counts = (await metrics.metricMessages.get()).values;
  const cpu = process.cpuUsage();
  return {
    type: "sample",
    accepted: counts.find((v) => v.labels.result === "accepted")?.value ?? 0,
    rejected: counts.filter((v) => v.labels.result !== "accepted").reduce((s, v) => s + v.value, 0),
    stops,
    cpuUs: cpu.user + cpu.system,
    atMs: performance.timeOrigin + performance.now(),
    trialPatches: cluster.calls.trialPatches,
    loopDelayP99Ms: loopDelay.count > 0 ? loopDelay.percentile(99) / 1e6 : 0,
  };
};

process.on("message", (raw) => {
  const req = ControllerRequest.parse(raw);
  void (async () => {
    if (req.type === "start") {
      await start();
      send({ type: "started" });
    } else if (req.type === "sample") {
      send(await sample());
      loopDelay.reset();
    }
    else {
      await stopIngest();
      await queue.shutdown();
      await nc.drain();
      process.exit(0);
    }
  })();
});
send({ type: "ready", trials });
