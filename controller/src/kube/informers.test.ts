import { test } from "node:test";
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import type { KubernetesObject } from "@kubernetes/client-node";
import { fakeApiServer, reply, until } from "../../../test/fixtures/fake-apiserver.ts";
import { createLogger } from "../telemetry/log.ts";
import { startCache, stripManagedFields } from "./informers.ts";

test("cached objects lose managedFields and keep everything else", () => {
  const pod: KubernetesObject & { spec: unknown } = {
    metadata: { name: "p", namespace: "ns", resourceVersion: "7", labels: { a: "b" }, managedFields: [{ manager: "kubectl", operation: "Update" }] },
    spec: { containers: [] },
  };
  stripManagedFields(pod);
  assert.deepEqual(pod, { metadata: { name: "p", namespace: "ns", resourceVersion: "7", labels: { a: "b" } }, spec: { containers: [] } });
  stripManagedFields({});
});

const TRIALS = "/apis/kubetune.io/v1alpha1/namespaces/ns/trials";

const trial = (name: string, rv: string): KubernetesObject => ({
  apiVersion: "kubetune.io/v1alpha1",
  kind: "Trial",
  metadata: { name, namespace: "ns", resourceVersion: rv, labels: { "kubetune.io/job": "j" }, managedFields: [{ manager: "kubetune", operation: "Update" }] },
});

/**
 * Trials in namespace ns behind a fake API server: lists answer `items` (or fail while `failLists` > 0),
 * watches stay open for the test to send events on (or fail while `failWatches` > 0).
 */
async function trialsServer() {
  const s = { items: [trial("t1", "5")], listRv: "10", failLists: 0, failWatches: 0, watches: [] as ServerResponse[], logs: [] as string[], changes: [] as string[] };
  const srv = await fakeApiServer((r, res) => {
    if (r.path !== TRIALS) return reply(res, 404, { kind: "Status", code: 404 });
    if (r.query.get("watch") === "true") {
      if (s.failWatches > 0 && s.failWatches--) return reply(res, 500, { kind: "Status", code: 500, message: "watch broke" });
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      s.watches.push(res);
      return;
    }
    if (s.failLists > 0 && s.failLists--) return reply(res, 500, { kind: "Status", code: 500, message: "etcd is away" });
    reply(res, 200, { apiVersion: "kubetune.io/v1alpha1", kind: "TrialList", metadata: { resourceVersion: s.listRv }, items: s.items });
  });
  const log = createLogger("debug", (l) => s.logs.push(l));
  const cache = startCache<KubernetesObject>(srv.kc, "trials", ["ns"], (o) => s.changes.push(`${o.metadata?.name}@${o.metadata?.resourceVersion}`), log);
  const send = (type: string, object: unknown): void => void s.watches.at(-1)?.write(`${JSON.stringify({ type, object })}\n`);
  const lists = () => srv.seen.filter((r) => r.path === TRIALS && r.query.get("watch") !== "true");
  const watches = () => srv.seen.filter((r) => r.query.get("watch") === "true");
  const close = async (): Promise<void> => {
    await cache.stop();
    await srv.close();
  };
  return { s, cache, send, lists, watches, close };
}

test("startCache is synced only after its first list has succeeded, then holds the listed objects without managedFields", async () => {
  const f = await trialsServer();
  f.s.failLists = 1;
  try {
    await until("the failed first list to be logged", () => f.s.logs.some((l) => l.includes("watch failed; restarting") && l.includes("etcd is away")));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(f.cache.synced(), false, "a failed list is not a sync");
    assert.equal(f.cache.get("ns", "t1"), undefined);
    await until("the cache to sync", () => f.cache.synced());
    assert.equal(f.lists().length, 2, "listed again after the failure");
    assert.equal(f.lists()[1]?.query.get("labelSelector"), "kubetune.io/job", "only labelled Trials are listed");
    assert.deepEqual(f.cache.get("ns", "t1")?.metadata, { name: "t1", namespace: "ns", resourceVersion: "5", labels: { "kubetune.io/job": "j" } });
    assert.deepEqual(f.s.changes, ["t1@5"]);
  } finally {
    await f.close();
  }
});

test("startCache watches from the listed version: added, modified and deleted objects reach the cache and the handler", async () => {
  const f = await trialsServer();
  try {
    await until("a watch", () => f.s.watches.length === 1);
    assert.equal(f.watches()[0]?.query.get("resourceVersion"), "10", "the watch starts where the list ended");
    f.send("ADDED", trial("t2", "11"));
    f.send("MODIFIED", trial("t1", "12"));
    f.send("DELETED", trial("t2", "13"));
    await until("the three events", () => f.s.changes.length === 4);
    assert.deepEqual(f.s.changes, ["t1@5", "t2@11", "t1@12", "t2@13"]);
    assert.equal(f.cache.get("ns", "t1")?.metadata?.resourceVersion, "12");
    assert.equal(f.cache.get("ns", "t2"), undefined);
    assert.deepEqual(f.cache.list("ns").map((o) => o.metadata?.name), ["t1"]);
    assert.deepEqual(f.cache.list("other"), [], "another namespace is not watched");
  } finally {
    await f.close();
  }
});

test("startCache re-lists after 410 Gone: what vanished meanwhile is deleted from the cache, what appeared is added", async () => {
  const f = await trialsServer();
  try {
    await until("a watch", () => f.s.watches.length === 1);
    f.s.items = [trial("t3", "30")];
    f.s.listRv = "31";
    f.send("ERROR", { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" });
    f.s.watches[0]?.end();
    await until("the re-list and a new watch", () => f.s.watches.length === 2);
    assert.equal(f.lists().length, 2);
    assert.equal(f.watches()[1]?.query.get("resourceVersion"), "31");
    assert.equal(f.cache.get("ns", "t1"), undefined, "deleted while the watch was gone");
    assert.equal(f.cache.get("ns", "t3")?.metadata?.resourceVersion, "30");
    assert.deepEqual(f.s.changes, ["t1@5", "t1@5", "t3@30"], "the handler hears of the deletion and the addition");
    assert.equal(f.cache.synced(), true);
  } finally {
    await f.close();
  }
});

test("startCache restarts a failed watch with backoff, keeping its objects and its sync meanwhile", async () => {
  const f = await trialsServer();
  try {
    await until("a watch", () => f.s.watches.length === 1);
    f.s.failWatches = 1;
    f.s.watches[0]?.end();
    await until("the failed watch to be logged", () => f.s.logs.some((l) => l.includes("watch failed; restarting") && l.includes('"retryInMs"')));
    assert.equal(f.cache.synced(), true);
    assert.ok(f.cache.get("ns", "t1"));
    await until("a new watch", () => f.s.watches.length === 2);
    assert.equal(f.lists().length, 1, "no re-list: the watch resumes from the version it had");
    f.send("ADDED", trial("t4", "40"));
    await until("the event on the new watch", () => f.cache.get("ns", "t4") !== undefined);
  } finally {
    await f.close();
  }
});
