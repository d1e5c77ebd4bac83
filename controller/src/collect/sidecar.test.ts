import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Container } from "@kubernetes/client-node";
import { TuningJob } from "../api/tuningjob.ts";
import type { MetricsCollector } from "../api/metrics-collector.ts";
import { trialPod } from "../kube/objects.ts";
import { COLLECTOR_CONTAINER, COLLECTOR_VOLUME, DEFAULT_COLLECTOR_IMAGE, READY_FILE, STATE_VOLUME, STDOUT_DIR, STDOUT_FILE, WRAPPER_SCRIPT } from "./sidecar.ts";

const job = (metricsCollector: MetricsCollector, container: Partial<V1Container> = {}) =>
  TuningJob.parse({
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name: "sh", namespace: "team" },
    spec: {
      objective: { metric: "loss", direction: "minimize" },
      parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
      search: { algorithm: "random" },
      budget: { maxTrials: 1, parallelTrials: 1 },
      trialTemplate: { spec: { containers: [{ name: "train", image: "busybox", command: ["sh", "train.sh"], args: ["--x=${params.x}"], ...container }] } },
      metricsCollector,
    },
  }) as TuningJob & { metadata: { namespace: string } };
const view = { name: "sh-00001", index: 1, params: { x: 0.5 }, phase: "Pending" as const, curve: [], metrics: {} };
const trial = { name: "sh-00001", namespace: "team", uid: "u" };
const envOf = (c: V1Container | undefined) => Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

test("kind stdout: a native sidecar with the trial's identity and key, a shared emptyDir, and the command wrapped in sh", () => {
  const pod = trialPod(job({ kind: "stdout", format: "keyvalue" }), trial, view, "nats://n:4222", {}, "sh-00001-report-u");
  const [sidecar, ...otherInit] = pod.spec?.initContainers ?? [];
  assert.equal(otherInit.length, 0);
  assert.equal(sidecar?.name, COLLECTOR_CONTAINER);
  assert.equal(sidecar?.restartPolicy, "Always", "a native sidecar: started first, kept beside the trial, stopped after it");
  assert.equal(sidecar?.image, DEFAULT_COLLECTOR_IMAGE);
  assert.deepEqual(sidecar?.args, ["collect"]);
  const env = envOf(sidecar);
  assert.equal(env.KUBETUNE_TRIAL, "sh-00001");
  assert.equal(env.KUBETUNE_NATS_URL, "nats://n:4222");
  assert.deepEqual(env.KUBETUNE_REPORT_KEY, { secretKeyRef: { name: "sh-00001-report-u", key: "key" } });
  assert.deepEqual(JSON.parse(String(env.KUBETUNE_COLLECTOR)), { kind: "stdout", format: "keyvalue" });
  assert.equal(env.KUBETUNE_COLLECT_FILE, STDOUT_FILE);
  assert.deepEqual(pod.spec?.volumes, [{ name: COLLECTOR_VOLUME, emptyDir: {} }, { name: STATE_VOLUME, emptyDir: {} }]);
  assert.deepEqual(sidecar?.volumeMounts, [{ name: COLLECTOR_VOLUME, mountPath: STDOUT_DIR }, { name: STATE_VOLUME, mountPath: "/kubetune-collector" }]);
  assert.equal(env.KUBETUNE_COLLECTOR_READY, READY_FILE);
  assert.deepEqual(sidecar?.startupProbe?.exec?.command?.slice(-1), [READY_FILE], "the trial starts once the collector is ready");
  const main = pod.spec?.containers[0];
  assert.deepEqual(main?.command, ["/bin/sh", "-c", WRAPPER_SCRIPT, "kubetune-wrap", "sh", "train.sh", "--x=0.5"]);
  assert.equal(main?.args, undefined);
  assert.deepEqual(main?.volumeMounts, [{ name: COLLECTOR_VOLUME, mountPath: STDOUT_DIR }]);
  assert.equal(envOf(main).KUBETUNE_COLLECT_FILE, STDOUT_FILE);
  assert.equal(envOf(main).PYTHONUNBUFFERED, "1");
  assert.equal(envOf(main).KUBETUNE_TRIAL, "sh-00001");
});

test("kind file: the file's directory is shared (the trial's own volume there, else an emptyDir); the command is left alone", () => {
  const fresh = trialPod(job({ kind: "file", path: "/out/m.log", format: "json" }), trial, view, "nats://n", { collectorImage: "reg/kubetune:1" });
  assert.deepEqual(fresh.spec?.containers[0]?.command, ["sh", "train.sh"]);
  assert.deepEqual(fresh.spec?.containers[0]?.volumeMounts, [{ name: COLLECTOR_VOLUME, mountPath: "/out" }]);
  assert.equal(fresh.spec?.initContainers?.[0]?.image, "reg/kubetune:1", "the cluster's collector image");
  assert.equal(envOf(fresh.spec?.initContainers?.[0]).KUBETUNE_COLLECT_FILE, "/out/m.log");

  const own = trialPod(job({ kind: "file", path: "/out/m.log", format: "json" }, { volumeMounts: [{ name: "data", mountPath: "/out", subPath: "x" }] } as Partial<V1Container>), trial, view, "nats://n");
  assert.deepEqual(own.spec?.initContainers?.[0]?.volumeMounts?.[0], { name: "data", mountPath: "/out", subPath: "x", readOnly: true });
  assert.deepEqual(own.spec?.volumes, [{ name: STATE_VOLUME, emptyDir: {} }], "no emptyDir for the file when the trial already mounts a volume there");
});

test("without a collector the Pod has no sidecar and its command is untouched", () => {
  const j = job({ kind: "stdout", format: "json" });
  delete j.spec.metricsCollector;
  const pod = trialPod(j, trial, view, "nats://n");
  assert.equal(pod.spec?.initContainers, undefined);
  assert.deepEqual(pod.spec?.containers[0]?.command, ["sh", "train.sh"]);
});

/** Runs the wrapper around `script` like a container: returns its stdout, the teed file and the exit code. */
function wrap(script: string, onStart?: (pid: number) => void): Promise<{ stdout: string; file: string; code: number | null }> {
  const file = join(mkdtempSync(join(tmpdir(), "kubetune-wrap-")), "stdout.log");
  // Its own process group, as the process kubelet runs a container (and signals the whole group).
  const child = spawn("/bin/sh", ["-c", WRAPPER_SCRIPT, "kubetune-wrap", "sh", "-c", script], { env: { PATH: process.env.PATH ?? "", KUBETUNE_COLLECT_FILE: file }, detached: true });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes("ready")) onStart?.(child.pid ?? 0);
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ stdout, file: readFileSync(file, "utf8"), code })));
}

test("the wrapper copies stdout to the file and to its own stdout, and exits with the command's code", async () => {
  const r = await wrap("echo loss=1; echo oops >&2; echo loss=2; exit 3");
  assert.equal(r.stdout, "loss=1\nloss=2\n");
  assert.equal(r.file, "loss=1\nloss=2\n", "stderr is not collected");
  assert.equal(r.code, 3);
});

test("SIGTERM to the wrapper (a container's PID 1) or its process group reaches the command, whose last output still lands in the file", async () => {
  for (const target of [(pid: number) => pid, (pid: number) => -pid]) {
    let sent = false;
    const r = await wrap("trap 'echo stopping loss=9; exit 0' TERM; echo ready; while :; do sleep 0.05; done", (pid) => {
      if (!sent) process.kill(target(pid), "SIGTERM");
      sent = true;
    });
    assert.equal(r.code, 0);
    // A group signal reaches the command directly and through the wrapper's forwarding: its trap may run twice.
    assert.match(r.file, /ready\n(stopping loss=9\n)+$/);
  }
});
