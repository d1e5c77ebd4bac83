// The shared test cluster's kube-controller-manager runs only the garbage-collector, namespace and
// service-account controllers (test/cluster/up.sh). Tests of batch/v1 Job trials start a second one
// with the Job controller alone, as test/cluster/real-node-up.sh does for Deployments, and stop it after.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { clusterDir, type TestCluster } from "./with-cluster.ts";

/** A running kube-controller-manager with only the Job controller; `stop` ends it. */
export interface JobController {
  stop(): Promise<void>;
}

/** Starts the Job controller against the test cluster (its log: <cluster dir>/logs/job-controller-<namespace>.log). */
export function startJobController(cluster: TestCluster): JobController {
  const bin = join(dirname(cluster.kubectlPath), "kube-controller-manager");
  const kubeconfig = join(clusterDir(), "controller-manager.kubeconfig");
  const log = createWriteStream(join(clusterDir(), "logs", `job-controller-${cluster.namespace}.log`));
  const child: ChildProcess = spawn(bin, [
    "--kubeconfig", kubeconfig, "--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
    "--authentication-skip-lookup", "--bind-address", "127.0.0.1", "--secure-port", "0",
    "--controllers", "job-controller", "--use-service-account-credentials", "--leader-elect=false", "--v", "1",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
