import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../telemetry/log.ts";
import { createPersistBatches, type Delivery } from "./persist-batch.ts";

/** A delivery that records what was done to it. */
function delivery(seq: number): Delivery & { done: string[] } {
  const done: string[] = [];
  return { seq, done, ack: () => void done.push("ack"), nak: (ms) => void done.push(`nak ${ms}`), working: () => void done.push("working") };
}

/** Persists that wait to be told how they end. */
function persists() {
  const calls: { jobs: string[]; end: (ok: boolean) => void }[] = [];
  const persist = (jobs: ReadonlySet<string>) => new Promise<void>((resolve, reject) => calls.push({ jobs: [...jobs], end: (ok) => (ok ? resolve() : reject(new Error("api server down"))) }));
  return { calls, persist };
}

const settle = () => new Promise((r) => setImmediate(r));

function setup() {
  const { calls, persist } = persists();
  const handedBack: number[] = [];
  let drained = 0;
  const b = createPersistBatches({ persist, turn: async () => {}, keepAliveMs: 5_000, handedBack: (seq) => void handedBack.push(seq), drained: () => void drained++, log: createLogger("error") });
  return { b, calls, handedBack, drained: () => drained };
}

test("applied reports are acknowledged only after their jobs are persisted; those applied meanwhile form the next batch", async () => {
  const { b, calls, drained } = setup();
  const [m1, m2, m3] = [delivery(1), delivery(2), delivery(3)];
  b.jobs().add("ns/a");
  b.applied(m1);
  await settle();
  assert.deepEqual(calls.map((c) => c.jobs), [["ns/a"]]);
  b.jobs().add("ns/b");
  b.applied(m2);
  b.applied(m3);
  assert.deepEqual([...b.unstored()], [1, 2, 3]);
  assert.deepEqual(m1.done, [], "not acknowledged before its status is written");
  calls[0]?.end(true);
  await settle();
  assert.deepEqual(m1.done, ["ack"]);
  assert.deepEqual(m2.done, []);
  assert.deepEqual(calls.map((c) => c.jobs), [["ns/a"], ["ns/b"]], "one persist at a time; the next carries what came meanwhile");
  assert.equal(drained(), 0);
  calls[1]?.end(true);
  await b.idle();
  assert.deepEqual([m2.done, m3.done], [["ack"], ["ack"]]);
  assert.deepEqual([...b.unstored()], []);
  assert.equal(drained(), 1);
});

test("a failed persist hands its reports back with a backoff that grows with consecutive failures", async () => {
  const { b, calls, handedBack, drained } = setup();
  const first = [delivery(1), delivery(2)];
  for (const m of first) b.applied(m);
  await settle();
  calls[0]?.end(false);
  await b.idle();
  assert.deepEqual(handedBack, [1, 2]);
  const delay = (m: { done: string[] }) => Number(/^nak (\d+)$/.exec(m.done[0] ?? "")?.[1]);
  for (const m of first) assert.ok(delay(m) >= 1_000 && delay(m) <= 2_000, `first failure: ${m.done.join()}`);
  assert.equal(drained(), 1, "nothing is waiting, though nothing was stored");
  const second = delivery(1);
  b.applied(second);
  await settle();
  calls[1]?.end(false);
  await b.idle();
  assert.ok(delay(second) >= 2_000 && delay(second) <= 4_000, `second failure: ${second.done.join()}`);
  const third = delivery(1);
  b.applied(third);
  await settle();
  calls[2]?.end(true);
  await b.idle();
  assert.deepEqual(third.done, ["ack"]);
  assert.deepEqual(handedBack, [1, 2, 1]);
});

test("while a persist outlasts half an ack wait, every waiting report is marked as still being worked on", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  const { b, calls } = setup();
  const stored = delivery(1);
  b.applied(stored);
  await settle();
  const waiting = delivery(2);
  b.applied(waiting);
  t.mock.timers.tick(5_000);
  assert.deepEqual([stored.done, waiting.done], [["working"], ["working"]]);
  calls[0]?.end(true);
  await settle();
  calls[1]?.end(true);
  await b.idle();
  t.mock.timers.tick(10_000);
  assert.deepEqual([stored.done, waiting.done], [["working", "ack"], ["working", "ack"]], "not after the persists are done");
});
