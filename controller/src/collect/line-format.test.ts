import { test } from "node:test";
import assert from "node:assert/strict";
import { createLineReader, MAX_LINE_LENGTH, type LineResult } from "./line-format.ts";

const readAll = (reader: { read(l: string): LineResult }, lines: string[]) => lines.map((l) => reader.read(l));
const reports = (results: LineResult[]) => results.flatMap((r) => (r.kind === "report" ? [r.message] : []));
const malformed = (results: LineResult[]) => results.filter((r) => r.kind === "malformed").length;

test("json reads exactly the stdout protocol of kubetune run, for this trial only", () => {
  const r = readAll(createLineReader({ format: "json" }, "t-00001"), [
    "starting",
    '@@kubetune {"trial":"t-00001","step":2,"metrics":{"loss":0.5}}',
    '@@kubetune {"trial":"t-00001","step":2,"metrics":{"loss":0.5},"final":true}',
    "@@kubetune {not json",
    '@@kubetune {"trial":"t-00002","step":3,"metrics":{"loss":0.1}}',
    'loss=0.3',
  ]);
  assert.deepEqual(r.map((x) => x.kind), ["ordinary", "report", "report", "malformed", "malformed", "ordinary"]);
  assert.deepEqual(reports(r)[1], { trial: "t-00001", step: 2, metrics: { loss: 0.5 }, final: true });
  assert.match((r[4] as { problem: string }).problem, /names trial "t-00002"/);
  assert.deepEqual(readAll(createLineReader(undefined, "t-00001"), ['@@kubetune {"trial":"t-00001","step":1,"metrics":{"a":1}}']).map((x) => x.kind), ["report"]);
});

test("keyvalue takes the step from step, else epoch, else the previous step + 1", () => {
  const r = readAll(createLineReader({ format: "keyvalue" }, "t"), [
    "loss=0.9",
    "loss=0.8 val_loss=0.85",
    "epoch=7 loss=0.2, val_loss=0.25",
    "loss=0.1;val_loss=0.15",
    "step=20 epoch=3 acc=0.5",
    "Downloading data (size=100MB)",
    "no pairs here",
    "epoch=9",
  ]);
  assert.deepEqual(reports(r).map((m) => [m.step, m.metrics]), [
    [1, { loss: 0.9 }],
    [2, { loss: 0.8, val_loss: 0.85 }],
    [7, { loss: 0.2, val_loss: 0.25 }],
    [8, { loss: 0.1, val_loss: 0.15 }],
    [20, { acc: 0.5, epoch: 3 }],
  ]);
  assert.equal(malformed(r), 0, "lines without a valid name=number pair are ordinary output");
});

test("keyvalue lines with a metric that does not parse whole are malformed, and say why", () => {
  const r = readAll(createLineReader({ format: "keyvalue" }, "t"), [
    "Epoch 3: loss=0.2",
    "loss=0.2 acc=n/a",
    "loss=nan val_loss=0.3",
    "epoch=-1 loss=0.2",
    "epoch=1.5 loss=0.2",
    "__proto__=1 loss=2",
    "loss=1e999 val=1",
  ]);
  assert.equal(malformed(r), 7);
  assert.match((r[0] as { problem: string }).problem, /"Epoch" is not a key=value pair/);
  assert.match((r[1] as { problem: string }).problem, /acc: "n\/a" is not a finite number/);
});

test("regex with one group per metric reads the first match; with name/value every match", () => {
  const groups = readAll(createLineReader({ format: "regex", pattern: "epoch (?<step>\\d+): loss (?<loss>\\S+)(?: acc (?<acc>\\S+))?" }, "t"), [
    "epoch 1: loss 0.9 acc 0.1",
    "epoch 2: loss 0.8",
    "epoch 3: loss oops",
    "something else",
  ]);
  assert.deepEqual(reports(groups).map((m) => [m.step, m.metrics]), [[1, { loss: 0.9, acc: 0.1 }], [2, { loss: 0.8 }]]);
  assert.deepEqual(groups.map((x) => x.kind), ["report", "report", "malformed", "ordinary"]);

  const pairs = readAll(createLineReader({ format: "regex", pattern: "(?<name>[a-z_]+)=(?<value>[-0-9.e]+)" }, "t"), ["loss=0.5 val_loss=0.6", "x", "acc=0.7"]);
  assert.deepEqual(reports(pairs).map((m) => [m.step, m.metrics]), [[1, { loss: 0.5, val_loss: 0.6 }], [2, { acc: 0.7 }]]);
});

test("an oversized line is malformed and never parsed", () => {
  const long = `loss=0.1 ${"x".repeat(MAX_LINE_LENGTH)}`;
  for (const format of ["json", "keyvalue"] as const) {
    const [r] = readAll(createLineReader({ format }, "t"), [long]);
    assert.equal(r?.kind, "malformed");
    assert.match((r as { problem: string }).problem, /longer than/);
  }
});

test("a report with more metrics than the protocol allows is malformed, not thrown", () => {
  const line = Array.from({ length: 300 }, (_, i) => `m${i}=1`).join(" ");
  const [r] = readAll(createLineReader({ format: "keyvalue" }, "t"), [line]);
  assert.equal(r?.kind, "malformed");
});
