// Shared by the controller-*.test.ts suites: a controller in this process against the test cluster.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { stringify } from "yaml";
import { CustomObjectsApi, CoreV1Api, type KubernetesObject } from "@kubernetes/client-node";
import { parseConfig } from "../../controller/src/kube/config.ts";
import { startController, type Controller } from "../../controller/src/kube/main.ts";
import { createLogger } from "../../controller/src/telemetry/log.ts";
import type { TestCluster } from "../cluster/with-cluster.ts";

/** The repository root. */
export const root = join(import.meta.dirname, "../..");

/** The signing key of every test controller: tests derive trial keys from it to sign (or forge) reports. */
export const TEST_SIGNING_KEY = "kubetune-test-signing-key-0123456789abcdef";

/** Log lines a controller wrote, for assertions and for the failure message. */
export interface Started {
  controller: Controller;
  logs: string[];
}

/** Flags for a test controller: only the test namespace, its own lease and consumer, short timings. */
function testControllerArgs(cluster: TestCluster, identity: string, extra: string[]): string[] {
  return [
    `--namespaces=${cluster.namespace}`,
    `--kubeconfig=${cluster.kubeconfigPath}`,
    `--nats-url=${cluster.natsUrl}`,
    `--consumer=ctl-${cluster.namespace}`,
    "--metrics-port=0",
    "--metrics-host=127.0.0.1",
    `--lease-name=kubetune-${cluster.namespace}`,
    `--lease-namespace=${cluster.namespace}`,
    `--identity=${identity}`,
    "--lease-duration=4",
    "--lease-renew=1",
    "--lease-retry=1",
    "--stop-grace=3",
    "--settle=20",
    ...extra,
  ];
}

/** Starts a controller watching only the cluster's test namespace, with its own lease and JetStream consumer. */
export async function startTestController(cluster: TestCluster, extra: string[] = [], identity = "ctl-a"): Promise<Started> {
  const logs: string[] = [];
  const config = parseConfig(testControllerArgs(cluster, identity, extra), { KUBETUNE_SIGNING_KEY: TEST_SIGNING_KEY });
  const log = createLogger("info", (l) => {
    logs.push(l);
    if (process.env.KUBETUNE_TEST_LOGS) process.stderr.write(`${identity} ${l}\n`);
  });
  return { controller: await startController(config, log), logs };
}

/** An iris TuningJob running the real trainer; `spec` overrides parts of the spec. */
export function irisJob(name: string, spec: Record<string, unknown> = {}, epochs = 6): string {
  return stringify({
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name },
    spec: {
      objective: { metric: "val_loss", direction: "minimize", additionalMetrics: ["val_accuracy"] },
      parameters: [
        { name: "learningRate", type: "double", min: 0.001, max: 0.3, scale: "log" },
        { name: "units", type: "int", min: 4, max: 32 },
      ],
      search: { algorithm: "random", seed: 3 },
      budget: { maxTrials: 4, parallelTrials: 2, maxFailedTrials: 1 },
      trialTemplate: {
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "trainer",
              image: "kubetune/trainer:0.1.0",
              command: [join(root, "bin/kubetune-trainer")],
              args: ["--dataset=iris", "--model=mlp", `--epochs=${epochs}`, "--layers=1", "--units=${params.units}", "--learningRate=${params.learningRate}", "--batchSize=16"],
            },
          ],
        },
      },
      ...spec,
    },
  });
}

/** Custom-object and core API clients for assertions. */
export function clients(cluster: TestCluster) {
  const custom = cluster.kc.makeApiClient(CustomObjectsApi);
  const core = cluster.kc.makeApiClient(CoreV1Api);
  const ns = cluster.namespace;
  type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
  return {
    core,
    job: async (name: string): Promise<Obj> => (await custom.getNamespacedCustomObject({ group: "kubetune.io", version: "v1alpha1", namespace: ns, plural: "tuningjobs", name })) as Obj,
    trials: async (): Promise<Obj[]> => ((await custom.listNamespacedCustomObject({ group: "kubetune.io", version: "v1alpha1", namespace: ns, plural: "trials" })) as { items: Obj[] }).items,
    pods: async () => (await core.listNamespacedPod({ namespace: ns })).items,
    events: async () => (await core.listNamespacedEvent({ namespace: ns })).items,
  };
}

/** Polls until `probe` returns a value (not undefined), or fails after `timeoutMs` with `what` and the last state. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, describe?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `\n${await describe()}` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Fetches /metrics of a controller. */
export async function scrape(c: Controller): Promise<string> {
  return (await fetch(`http://127.0.0.1:${c.port}/metrics`)).text();
}

/** A controller running as a child process (`kubetune controller`), so a test can SIGKILL it. */
export interface ChildController {
  child: import("node:child_process").ChildProcess;
  logs: string[];
  exited: Promise<number | null>;
}

/** Starts `kubetune controller` as a child process with the same settings as startTestController. */
export function spawnTestController(cluster: TestCluster, identity: string, extra: string[] = []): ChildController {
  const args = [join(root, "controller/src/cli/bin.ts"), "controller", ...testControllerArgs(cluster, identity, extra)];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, KUBETUNE_SIGNING_KEY: TEST_SIGNING_KEY }, stdio: ["ignore", "ignore", "pipe"] });
  const logs: string[] = [];
  let rest = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    const lines = (rest + d).split("\n");
    rest = lines.pop() ?? "";
    logs.push(...lines);
    if (process.env.KUBETUNE_TEST_LOGS) for (const l of lines) process.stderr.write(`${identity} ${l}\n`);
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, logs, exited };
}
