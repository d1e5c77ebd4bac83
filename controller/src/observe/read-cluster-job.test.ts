import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeApiServer, reply } from "../../../test/fixtures/fake-apiserver.ts";
import { clusterJobObject, clusterTrialObject, finishedClusterJob } from "../../../test/fixtures/cluster-job.ts";
import { PooledKubeConfig } from "../kube/kubeconfig.ts";
import { Results } from "../local/results.ts";
import { readClusterJob } from "./read-cluster-job.ts";

type Route = (path: string, query: URLSearchParams) => { status: number; body: unknown };

/** Runs `fn` against a fake API server answering with `route`. */
async function withApi(route: Route, fn: (kc: PooledKubeConfig) => Promise<void>): Promise<void> {
  const s = await fakeApiServer((req, res) => {
    const r = route(req.path, req.query);
    reply(res, r.status, r.body);
  });
  try {
    await fn(s.kc);
  } finally {
    await s.close();
  }
}

const JOB_PATH = "/apis/kubetune.io/v1alpha1/namespaces/ns/tuningjobs/fixture-job";
const TRIALS_PATH = "/apis/kubetune.io/v1alpha1/namespaces/ns/trials";

test("a finished cluster job reads into results.json's model: trials in index order, outcomes, reasons, times, best and end", async () => {
  const { job, trials } = finishedClusterJob();
  // Another job's Trial with the same label but another owner (a job recreated under the same name) and a malformed one.
  const stale = clusterTrialObject("fixture-job", 7, { phase: "Succeeded", value: 0.01 }, undefined, "uid-old");
  const broken = { ...clusterTrialObject("fixture-job", 8, {}), spec: { index: -1, params: {} } };
  const pages = [[trials[2], stale], [trials[0], broken, trials[1]]];
  await withApi((path, q) => {
    if (path === JOB_PATH) return { status: 200, body: job };
    if (path === TRIALS_PATH) {
      assert.equal(q.get("labelSelector"), "kubetune.io/job=fixture-job");
      const page = q.get("continue") === "next" ? 1 : 0;
      return { status: 200, body: { items: pages[page], metadata: page === 0 ? { continue: "next" } : {} } };
    }
    return { status: 404, body: {} };
  }, async (kc) => {
    const r = await readClusterJob(kc, "ns", "fixture-job");
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(Results.safeParse(r.results).success, "the document passes results.json's schema");
    assert.deepEqual(r.results.trials.map((t) => [t.name, t.outcome, t.value]), [
      ["fixture-job-00000", "succeeded", 0.2],
      ["fixture-job-00001", "earlyStopped", 0.9],
      ["fixture-job-00002", "failed", null],
    ]);
    assert.match(r.results.trials[1]?.reason ?? "", /^median: 0\.9 at step 2/);
    assert.deepEqual(r.results.trials.map((t) => t.finishedOrder), [2, 0, 1], "finished order follows completion times");
    assert.equal(r.results.trials[0]?.startedAt, "2026-01-01T00:00:02Z");
    assert.deepEqual(r.results.best, { name: "fixture-job-00000", params: { lr: 0.01, batch: 32, dropout: 0.1, optimizer: "adam", units: 2 }, value: 0.2 });
    assert.deepEqual(r.results.status, { phase: "Succeeded", reason: "MaxTrialsReached", message: "ran 3 trials" });
    assert.equal(r.results.finishedAt, "2026-01-01T00:00:10Z");
    assert.equal(r.skipped.length, 1);
    assert.match(r.skipped[0] ?? "", /fixture-job-00008 is malformed/);
  });
});

test("a running job reads as Running, and a Pending one too (results.json has no Pending)", async () => {
  for (const phase of ["Running", "Pending"]) {
    const job = clusterJobObject("fixture-job", "ns", { phase });
    await withApi((path) => (path === JOB_PATH ? { status: 200, body: job } : { status: 200, body: { items: [clusterTrialObject("fixture-job", 0, { phase: "Running", curve: [{ step: 1, value: 0.4 }] })] } }), async (kc) => {
      const r = await readClusterJob(kc, "ns", "fixture-job");
      assert.ok(r.ok);
      assert.deepEqual(r.results.status, { phase: "Running" });
      assert.equal(r.results.trials[0]?.outcome, null);
      assert.equal(r.results.best, null);
    });
  }
});

/** The failure of reading fixture-job from a server answering every request with `status` and `body`. */
async function failure(status: number, body: unknown, jobOk = false): Promise<{ reason: string; detail: string }> {
  let out: { reason: string; detail: string } | undefined;
  await withApi((path) => (jobOk && path === JOB_PATH ? { status: 200, body: clusterJobObject() } : { status, body }), async (kc) => {
    const r = await readClusterJob(kc, "ns", "fixture-job");
    assert.ok(!r.ok);
    out = r;
  });
  assert.ok(out);
  assert.doesNotMatch(out.detail, /\n/, "the detail is one line");
  return out;
}

test("an unknown job: not_found, naming the job and its namespace", async () => {
  const r = await failure(404, { kind: "Status", reason: "NotFound", message: 'tuningjobs.kubetune.io "fixture-job" not found' });
  assert.equal(r.reason, "not_found");
  assert.equal(r.detail, 'TuningJob "fixture-job" not found in namespace "ns" (kubectl get tuningjobs -n ns lists them)');
});

test("a cluster without kubetune's CRDs: no_crds, saying how to install them", async () => {
  const r = await failure(404, { kind: "Status", reason: "NotFound", message: "the server could not find the requested resource" });
  assert.equal(r.reason, "no_crds");
  assert.match(r.detail, /does not serve tuningjobs\.kubetune\.io: install the CRDs/);
});

test("no RBAC to read the job, or to list its Trials: forbidden, naming the verb, resource and namespace", async () => {
  const msg = 'tuningjobs.kubetune.io "fixture-job" is forbidden: User "bob" cannot get resource "tuningjobs"\nin API group "kubetune.io"';
  const r = await failure(403, { kind: "Status", reason: "Forbidden", message: msg });
  assert.equal(r.reason, "forbidden");
  assert.match(r.detail, /^not allowed to get tuningjobs in namespace "ns" \(403 Forbidden\): .*User "bob" cannot get resource "tuningjobs" in API group/);
  const trials = await failure(403, { kind: "Status", reason: "Forbidden", message: "trials is forbidden" }, true);
  assert.equal(trials.reason, "forbidden");
  assert.match(trials.detail, /^not allowed to list trials in namespace "ns"/);
});

test("rejected credentials: unauthorized", async () => {
  const r = await failure(401, { kind: "Status", reason: "Unauthorized", message: "Unauthorized" });
  assert.equal(r.reason, "unauthorized");
  assert.match(r.detail, /refused the kubeconfig's credentials \(401 Unauthorized\)/);
});

test("a job without Trials: no_trials, with the job's phase and message", async () => {
  await withApi((path) => (path === JOB_PATH ? { status: 200, body: clusterJobObject("fixture-job", "ns", { phase: "Failed", message: "bad\ntemplate" }) } : { status: 200, body: { items: [] } }), async (kc) => {
    const r = await readClusterJob(kc, "ns", "fixture-job");
    assert.deepEqual(r, { ok: false, reason: "no_trials", detail: 'TuningJob "fixture-job" in namespace "ns" has no Trials yet (phase Failed: bad template)' });
  });
});

test("an object that is not a kubetune job: invalid_job, naming the field", async () => {
  const job = clusterJobObject();
  (job.spec as Record<string, unknown>).budget = { maxTrials: "many" };
  const r = await failure(200, job);
  assert.equal(r.reason, "invalid_job");
  assert.match(r.detail, /^TuningJob fixture-job cannot be read as a kubetune job: spec\.budget\.maxTrials/);
});

test("no API server listening: unreachable, naming the server", async () => {
  const kc = new PooledKubeConfig();
  kc.loadFromOptions({ clusters: [{ name: "c", server: "http://127.0.0.1:1", skipTLSVerify: true }], users: [{ name: "u" }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x" });
  const r = await readClusterJob(kc, "ns", "fixture-job");
  assert.ok(!r.ok);
  assert.equal(r.reason, "unreachable");
  assert.match(r.detail, /^cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
});

test("an oversized hostile error message is cut to one short line", async () => {
  const r = await failure(500, { message: `${"x".repeat(5000)}\n<script>alert(1)</script>` });
  assert.equal(r.reason, "api_error");
  assert.ok(r.detail.length < 400, `${r.detail.length} characters`);
});
