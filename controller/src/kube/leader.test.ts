import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeApiServer, reply, until } from "../../../test/fixtures/fake-apiserver.ts";
import { createLogger } from "../telemetry/log.ts";
import { canAcquire, microTime, startElection, withDeadline, type LeaseTiming } from "./leader.ts";

test("a lease can be taken when free, released, expired, or already ours — not while another holder renews it", () => {
  const now = Date.parse("2026-01-01T00:00:10Z");
  const held = { holderIdentity: "a", leaseDurationSeconds: 15, renewTime: new Date("2026-01-01T00:00:00Z") };
  assert.equal(canAcquire(undefined, "b", now), true);
  assert.equal(canAcquire({ ...held, holderIdentity: "" }, "b", now), true);
  assert.equal(canAcquire(held, "a", now), true);
  assert.equal(canAcquire(held, "b", now), false);
  assert.equal(canAcquire(held, "b", now + 6_000), true);
});

test("lease times carry microseconds, as the API server requires", () => {
  assert.equal(String(microTime(new Date("2026-01-01T00:00:00.123Z"))), "2026-01-01T00:00:00.123000Z");
});

test("a lease call that never answers fails after its deadline, naming what did not answer; one that answers passes", async () => {
  await assert.rejects(withDeadline(new Promise<never>(() => {}), 20, "lease ns/l"), /lease ns\/l: no answer within 20 ms/);
  assert.equal(await withDeadline(Promise.resolve(true), 1000, "lease ns/l"), true);
});

const LEASES = "/apis/coordination.k8s.io/v1/namespaces/ns/leases";

interface StoredLease {
  metadata: { name: string; namespace: string; resourceVersion: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/**
 * Lease ns/l behind a fake API server: reads, creates and replaces with optimistic concurrency (a stale
 * resourceVersion gets 409), or 500 to everything while `down`. `onRead` runs before each read.
 */
async function leaseServer() {
  const s = { lease: undefined as StoredLease | undefined, rv: 1, down: false, onRead: () => {}, calls: [] as string[], logs: [] as string[] };
  const srv = await fakeApiServer((r, res) => {
    if (s.down) return reply(res, 500, { kind: "Status", code: 500, message: "the API server is away" });
    if (r.method === "GET" && r.path === `${LEASES}/l`) {
      s.onRead();
      return s.lease ? reply(res, 200, s.lease) : reply(res, 404, { kind: "Status", code: 404, reason: "NotFound" });
    }
    const body = JSON.parse(r.body || "{}") as StoredLease;
    if (r.method === "POST" && r.path === LEASES) {
      if (s.lease) return reply(res, 409, { kind: "Status", code: 409, reason: "AlreadyExists" });
      s.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(s.rv++) } };
      return reply(res, 201, s.lease);
    }
    if (r.method === "PUT" && r.path === `${LEASES}/l`) {
      if (body.metadata.resourceVersion !== s.lease?.metadata.resourceVersion) return reply(res, 409, { kind: "Status", code: 409, reason: "Conflict" });
      s.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(s.rv++) } };
      return reply(res, 200, s.lease);
    }
    reply(res, 404, { kind: "Status", code: 404 });
  });
  const elect = (timing: LeaseTiming) =>
    startElection({
      kc: srv.kc,
      namespace: "ns",
      name: "l",
      identity: "me",
      timing,
      log: createLogger("debug", (l) => s.logs.push(l)),
      onLead: () => s.calls.push("lead"),
      onLose: () => s.calls.push("lose"),
    });
  const writes = () => srv.seen.filter((r) => r.method === "PUT" || r.method === "POST").map((r) => JSON.parse(r.body) as StoredLease);
  const reads = () => srv.seen.filter((r) => r.method === "GET").length;
  return { s, elect, writes, reads, close: () => srv.close() };
}

/** A lease held by someone else, renewed just now. */
const othersLease = (rv: number): StoredLease => ({
  metadata: { name: "l", namespace: "ns", resourceVersion: String(rv) },
  spec: { holderIdentity: "other", leaseDurationSeconds: 1, acquireTime: new Date().toISOString(), renewTime: new Date().toISOString(), leaseTransitions: 0 },
});

test("startElection creates a free lease and leads, renews it keeping its acquire time, and releases it on stop", async () => {
  const f = await leaseServer();
  const e = f.elect({ durationMs: 5000, renewMs: 20, retryMs: 20 });
  try {
    await until("the lead", () => e.isLeader());
    assert.deepEqual(f.s.calls, ["lead"]);
    await until("three renewals", () => f.writes().length >= 4);
    const [created, ...renewals] = f.writes();
    assert.equal(created?.spec.holderIdentity, "me");
    assert.equal(created?.spec.leaseDurationSeconds, 5);
    for (const r of renewals) assert.deepEqual([r.spec.holderIdentity, r.spec.acquireTime, r.spec.leaseTransitions], ["me", created?.spec.acquireTime, 0]);
    await e.stop();
    assert.equal(e.isLeader(), false);
    assert.deepEqual([f.s.lease?.spec.holderIdentity, f.s.lease?.spec.leaseDurationSeconds], ["", 1], "released: the next leader need not wait for it to expire");
    assert.deepEqual(f.s.calls, ["lead"], "stopping is not losing");
  } finally {
    await e.stop();
    await f.close();
  }
});

test("startElection stands down when it cannot renew within the lease duration, and leads again once the API server answers", async () => {
  const f = await leaseServer();
  const e = f.elect({ durationMs: 300, renewMs: 20, retryMs: 20 });
  try {
    await until("the lead", () => e.isLeader());
    f.s.down = true;
    await until("standing down", () => !e.isLeader());
    assert.deepEqual(f.s.calls, ["lead", "lose"]);
    assert.ok(f.s.logs.some((l) => l.includes("could not renew the lease in time")));
    f.s.down = false;
    await until("the lead again", () => e.isLeader());
    assert.deepEqual(f.s.calls, ["lead", "lose", "lead"]);
  } finally {
    await e.stop();
    await f.close();
  }
});

test("startElection leaves a lease another holder renews, takes it over once it has expired, and loses it when another takes it", async () => {
  const f = await leaseServer();
  f.s.lease = othersLease(f.s.rv++);
  let othersRenew = true;
  f.s.onRead = () => {
    if (othersRenew && f.s.lease) f.s.lease.spec.renewTime = new Date().toISOString();
  };
  const e = f.elect({ durationMs: 5000, renewMs: 20, retryMs: 20 });
  try {
    await until("five tries", () => f.reads() >= 5);
    assert.equal(e.isLeader(), false);
    assert.deepEqual(f.writes(), [], "never written while its holder renews it");
    othersRenew = false;
    await until("the take-over after expiry", () => e.isLeader());
    assert.deepEqual([f.s.lease?.spec.holderIdentity, f.s.lease?.spec.leaseTransitions], ["me", 1]);
    f.s.lease = othersLease(f.s.rv++);
    othersRenew = true;
    await until("losing it", () => !e.isLeader());
    assert.deepEqual(f.s.calls, ["lead", "lose"]);
    assert.ok(f.s.logs.some((l) => l.includes("lost the lease to another replica")));
  } finally {
    await e.stop();
    await f.close();
  }
});
