import { test } from "node:test";
import assert from "node:assert/strict";
import type { Trial } from "../api/trial.ts";
import { kubeApi } from "./api.ts";
import { withServer } from "../../../test/fixtures/fake-apiserver.ts";

const trial: Trial = { apiVersion: "kubetune.io/v1alpha1", kind: "Trial", metadata: { name: "j-00000", namespace: "ns" }, spec: { index: 0, params: { x: 1 } } };

test("creates: the new object's identity, an existing name, a refusal with the API server's message; an answer without uid is an error", async () => {
  const status = (code: number, message: string) => ({ status: code, body: { kind: "Status", code, message } });
  await withServer([
    { status: 201, body: { ...trial, metadata: { ...trial.metadata, uid: "u-1", labels: { a: "b" } } } },
    status(409, "already exists"),
    status(422, 'Trial "j-00000" is invalid: spec.index: must be ≥ 0'),
    { status: 201, body: { metadata: { name: "j-00000", namespace: "ns" } } },
  ], async (kc, seen) => {
    const api = kubeApi(kc, "kubetune-controller", "test");
    assert.deepEqual(await api.createTrial(trial), { ok: true, object: { name: "j-00000", namespace: "ns", uid: "u-1" } });
    assert.deepEqual(await api.createTrial(trial), { ok: false, reason: "exists", detail: "already exists" });
    assert.deepEqual(await api.createTrial(trial), { ok: false, reason: "invalid", detail: 'Trial "j-00000" is invalid: spec.index: must be ≥ 0' });
    await assert.rejects(api.createTrial(trial), /no name, namespace and uid/);
    assert.equal(seen[0]?.method, "POST");
    assert.equal(seen[0]?.url, "/apis/kubetune.io/v1alpha1/namespaces/ns/trials");
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ""), trial, "the object is sent as it is");
  });
});

test("status patches are merge patches of the status subresource; a missing object is not an error; Events go to the involved object's namespace", async () => {
  await withServer([{ status: 200, body: {} }, { status: 404, body: { kind: "Status", code: 404 } }, { status: 201, body: {} }], async (kc, seen) => {
    const api = kubeApi(kc, "kubetune-controller", "pod-1");
    await api.patchTrialStatus("ns", "j-00000", { phase: "Running" });
    await api.patchJobStatus("ns", "gone", { phase: "Running" });
    await api.event({ kind: "TuningJob", apiVersion: "kubetune.io/v1alpha1", namespace: "ns", name: "j", uid: "job-uid" }, "Normal", "TrialsCreated", "created 2 trials: j-00000…j-00001");
    assert.deepEqual(seen.map((s) => [s.method, s.url]), [
      ["PATCH", "/apis/kubetune.io/v1alpha1/namespaces/ns/trials/j-00000/status"],
      ["PATCH", "/apis/kubetune.io/v1alpha1/namespaces/ns/tuningjobs/gone/status"],
      ["POST", "/api/v1/namespaces/ns/events"],
    ]);
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ""), { status: { phase: "Running" } });
    const ev = JSON.parse(seen[2]?.body ?? "") as { involvedObject: { uid: string }; reason: string; reportingInstance: string; firstTimestamp: string };
    assert.deepEqual([ev.involvedObject.uid, ev.reason, ev.reportingInstance], ["job-uid", "TrialsCreated", "pod-1"]);
    assert.ok(!Number.isNaN(Date.parse(ev.firstTimestamp)));
  });
});

test("a job status patch can remove fields: they are sent as null, which a merge patch deletes", async () => {
  await withServer([{ status: 200, body: {} }], async (kc, seen) => {
    await kubeApi(kc, "kubetune-controller", "pod-1").patchJobStatus("ns", "j", { phase: "Pending" }, ["reason", "completionTime"]);
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ""), { status: { phase: "Pending", reason: null, completionTime: null } });
  });
});
