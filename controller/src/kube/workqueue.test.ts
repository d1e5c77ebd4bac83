import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorkQueue } from "./workqueue.ts";

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

test("a key added many times while waiting is processed once", async () => {
  const seen: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = startWorkQueue(async (k) => {
    if (k === "block") await gate;
    seen.push(k);
  }, { workers: 1 });
  q.add("block");
  q.add("a");
  q.add("a");
  q.add("a");
  assert.equal(q.depth(), 1);
  release();
  await tick(20);
  assert.deepEqual(seen, ["block", "a"]);
  await q.shutdown();
});

test("one key never runs twice at once; an add during processing runs it once more afterwards", async () => {
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  const q = startWorkQueue(async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    runs++;
    await tick(10);
    active--;
  }, { workers: 4 });
  q.add("job");
  await tick(1);
  q.add("job");
  q.add("job");
  await tick(60);
  assert.equal(maxActive, 1);
  assert.equal(runs, 2);
  await q.shutdown();
});

test("a failing key is retried with growing backoff, and its failure count resets on success", async () => {
  const attempts: number[] = [];
  const errors: number[] = [];
  const q = startWorkQueue(async () => {
    attempts.push(attempts.length);
    if (attempts.length < 3) throw new Error("conflict");
  }, { workers: 1, baseDelayMs: 5, maxDelayMs: 50, onError: (_k, _e, n) => errors.push(n) });
  q.add("k");
  await tick(80);
  assert.equal(attempts.length, 3);
  assert.deepEqual(errors, [1, 2]);
  await q.shutdown();
});

test("requeueAfter processes the key again later; different keys run in parallel", async () => {
  const seen: string[] = [];
  const q = startWorkQueue(async (k) => {
    seen.push(k);
    return seen.filter((s) => s === k).length === 1 && k === "a" ? { requeueAfterMs: 10 } : undefined;
  }, { workers: 2 });
  q.add("a");
  q.add("b");
  await tick(50);
  assert.deepEqual(seen.sort(), ["a", "a", "b"]);
  await q.shutdown();
});

test("after shutdown no key is processed", async () => {
  const seen: string[] = [];
  const q = startWorkQueue(async (k) => void seen.push(k), { workers: 1 });
  await q.shutdown();
  q.add("x");
  q.addAfter("y", 1);
  await tick(20);
  assert.deepEqual(seen, []);
});
