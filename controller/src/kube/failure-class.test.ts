import { test } from "node:test";
import assert from "node:assert/strict";
import { infrastructureFailure, podVanished, type EndedPodLike } from "./failure-class.ts";

const container = (exitCode: number, reason: string) => [{ name: "trainer", state: { terminated: { exitCode, reason } } }];
const scheduled = { type: "PodScheduled", status: "True" };

// Statuses as the kubelet, the scheduler and the Pod GC write them (Kubernetes 1.35).
const pods: Record<string, EndedPodLike> = {
  evicted: {
    status: {
      phase: "Failed", reason: "Evicted",
      message: "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container trainer was using 2Gi, request is 0, has larger consumption of memory. ",
      conditions: [{ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message: "The node was low on resource: memory." }, scheduled],
      containerStatuses: container(137, "ContainerStatusUnknown"),
    },
  },
  preempted: {
    status: {
      phase: "Failed",
      conditions: [{ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler", message: "default-scheduler: preempting to accommodate a higher priority pod" }, scheduled],
      containerStatuses: container(143, "Error"),
    },
  },
  podGC: {
    status: {
      phase: "Failed",
      conditions: [{ type: "DisruptionTarget", status: "True", reason: "DeletionByPodGC", message: "PodGC: node no longer exists" }],
      containerStatuses: [{ name: "trainer", state: {} }],
    },
  },
  shutdown: {
    status: { phase: "Failed", conditions: [{ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet", message: "Pod was terminated in response to imminent node shutdown." }], containerStatuses: container(137, "Error") },
  },
  oom: { status: { phase: "Failed", conditions: [scheduled], containerStatuses: container(137, "OOMKilled") } },
  userFailure: { status: { phase: "Failed", conditions: [scheduled], containerStatuses: container(1, "Error") } },
  killedByUser: { status: { phase: "Failed", containerStatuses: container(137, "Error") } },
  succeeded: { status: { phase: "Succeeded", containerStatuses: container(0, "Completed") } },
  preemptedExit0: { status: { phase: "Succeeded", conditions: [{ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler", message: "preempting" }], containerStatuses: container(0, "Completed") } },
  stillRunning: { status: { phase: "Running", conditions: [{ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler" }] } },
  conditionFalse: { status: { phase: "Failed", conditions: [{ type: "DisruptionTarget", status: "False", reason: "PreemptionByScheduler" }], containerStatuses: container(2, "Error") } },
};

test("Pods that ended for the infrastructure are classified, with what Kubernetes said", () => {
  assert.deepEqual(infrastructureFailure(pods.evicted!), { reason: "Evicted", message: pods.evicted!.status!.message });
  assert.deepEqual(infrastructureFailure(pods.preempted!), { reason: "Preempted", message: "PreemptionByScheduler: default-scheduler: preempting to accommodate a higher priority pod" });
  assert.deepEqual(infrastructureFailure(pods.podGC!), { reason: "NodeLost", message: "DeletionByPodGC: PodGC: node no longer exists" });
  assert.equal(infrastructureFailure(pods.shutdown!)?.reason, "NodeLost");
  assert.deepEqual(infrastructureFailure(pods.oom!), { reason: "OOMKilled", message: "container trainer was OOM-killed (exit code 137)" });
  assert.equal(infrastructureFailure(pods.preemptedExit0!)?.reason, "Preempted", "a trainer that exits 0 on the preemption's SIGTERM did not finish");
});

test("failures of the trial's own code, successes and Pods still running are not infrastructure failures", () => {
  for (const name of ["userFailure", "killedByUser", "succeeded", "stillRunning", "conditionFalse"]) {
    assert.equal(infrastructureFailure(pods[name]!), undefined, name);
  }
  assert.equal(infrastructureFailure({}), undefined);
});

test("a Pod that vanished while its trial ran counts as lost with its node", () => {
  assert.equal(podVanished("j-00000").reason, "NodeLost");
  assert.match(podVanished("j-00000").message, /Pod j-00000 was deleted while the trial ran/);
});
