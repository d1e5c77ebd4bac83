import { test } from "node:test";
import assert from "node:assert/strict";
import { createSequencer, type Released } from "./sequencer.ts";

type Ev = Released<string, string>;
const drainAll = (next: () => Ev | undefined): string[] => {
  const out: string[] = [];
  for (let e = next(); e; e = next()) out.push(e.kind === "report" ? `${e.trial}@${e.step}` : `${e.trial} exit`);
  return out;
};

test("ordered: a report waits while a live trial could still report an earlier step, then all go in step and trial order", () => {
  const s = createSequencer<string, string>(true);
  s.launch("a", 0);
  s.launch("b", 1);
  s.push("b", { kind: "report", step: 1, report: "b1" });
  s.push("b", { kind: "report", step: 2, report: "b2" });
  assert.equal(s.next(), undefined, "a may still report step 1");
  s.push("a", { kind: "report", step: 1, report: "a1" });
  assert.deepEqual(drainAll(() => s.next()), ["a@1", "b@1"], "b@2 waits for a's next event");
  s.push("a", { kind: "exit", exit: "ok" });
  assert.deepEqual(drainAll(() => s.next()), ["a exit", "b@2"], "a's exit (1.5) comes before b@2");
  assert.equal(s.idle(), false);
});

test("ordered: a trial launched later starts at the decision's virtual time, and ties go to the lower trial index", () => {
  const s = createSequencer<string, string>(true);
  s.launch("a", 0);
  s.push("a", { kind: "report", step: 3, report: "" });
  s.push("a", { kind: "exit", exit: "ok" });
  assert.deepEqual(drainAll(() => s.next()), ["a@3", "a exit"]);
  s.launch("b", 1);
  s.launch("c", 2);
  s.push("c", { kind: "report", step: 1, report: "" });
  assert.equal(s.next(), undefined, "b may report at the same time and goes first");
  s.push("b", { kind: "report", step: 1, report: "" });
  assert.deepEqual(drainAll(() => s.next()), ["b@1", "c@1"]);
});

test("ordered: a stopped trial's later reports are dropped and its exit follows the stop; a step that does not advance still moves its trial on", () => {
  const s = createSequencer<string, string>(true);
  s.launch("a", 0);
  s.launch("b", 1);
  s.push("a", { kind: "report", step: 2, report: "" });
  s.push("a", { kind: "report", step: 1, report: "" });
  s.push("b", { kind: "report", step: 2, report: "" });
  s.push("b", { kind: "report", step: 3, report: "" });
  s.push("b", { kind: "report", step: 4, report: "" });
  assert.deepEqual(s.next()?.kind, "report");
  s.stopped("a");
  s.push("a", { kind: "report", step: 5, report: "" });
  s.push("a", { kind: "exit", exit: "stopped" });
  assert.deepEqual(drainAll(() => s.next()), ["b@2", "a exit", "b@3", "b@4"]);
  assert.equal(s.idle(), false);
  s.push("b", { kind: "exit", exit: "ok" });
  assert.deepEqual(drainAll(() => s.next()), ["b exit"]);
  assert.equal(s.idle(), true);
});

test("unordered: events go as they arrive and a stopped trial's reports are kept", () => {
  const s = createSequencer<string, string>(false);
  s.launch("a", 0);
  s.launch("b", 1);
  s.push("b", { kind: "report", step: 5, report: "" });
  assert.deepEqual(drainAll(() => s.next()), ["b@5"]);
  s.stopped("b");
  s.push("b", { kind: "report", step: 6, report: "" });
  assert.deepEqual(drainAll(() => s.next()), ["b@6"]);
});

test("drain releases what has arrived without waiting for silent trials", () => {
  const s = createSequencer<string, string>(true);
  s.launch("a", 0);
  s.launch("b", 1);
  s.push("b", { kind: "report", step: 4, report: "" });
  assert.equal(s.next(), undefined);
  s.drain();
  assert.deepEqual(drainAll(() => s.next()), ["b@4"]);
});
