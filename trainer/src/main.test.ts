import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseReportLine } from "../../controller/src/api/metrics.ts";
import type { MetricMessage } from "../../controller/src/api/metrics.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function trainer(args: string[], env: Record<string, string>, onReport?: (m: MetricMessage, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, KUBETUNE_NATS_URL: "", KUBETUNE_PARAMS: "", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    const before = out.split("\n").length - 1;
    out += d.toString();
    const lines = out.split("\n");
    for (const line of lines.slice(before, -1)) {
      const r = parseReportLine(line);
      if (r.ok) onReport?.(r.message, child);
    }
  });
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out, err })));
}

function reports(out: string): MetricMessage[] {
  return out
    .trimEnd()
    .split("\n")
    .map((line) => {
      const r = parseReportLine(line);
      assert.ok(r.ok, `stdout carries only report lines, got ${JSON.stringify(line)}`);
      return r.message;
    });
}

test("bad hyperparameters exit 2 with a message naming the parameter", async () => {
  const r = await trainer(["--dropout=2"], { KUBETUNE_PARAMS: '{"epochs": 3}' });
  assert.equal(r.code, 2);
  assert.match(r.err, /invalid hyperparameters:\n {2}dropout="2": Too big/);
  assert.match(r.err, /usage: kubetune-trainer/);
  const j = await trainer([], { KUBETUNE_PARAMS: "{epochs: 3}" });
  assert.equal(j.code, 2);
  assert.match(j.err, /KUBETUNE_PARAMS is not valid JSON/);
});

test("under the local runner (KUBETUNE_REPORT=stdio) every stdout line is a report", async () => {
  const r = await trainer(["--epochs=3"], { KUBETUNE_REPORT: "stdio", KUBETUNE_TRIAL: "iris-00002", KUBETUNE_PARAMS: '{"dataset":"iris","learningRate":0.05,"epochs":9}' });
  assert.equal(r.code, 0, r.err);
  const sent = reports(r.out);
  assert.deepEqual(sent.map((m) => [m.trial, m.step, m.final ?? false]), [["iris-00002", 0, false], ["iris-00002", 1, false], ["iris-00002", 2, false], ["iris-00002", 3, false], ["iris-00002", 3, true]]);
  assert.match(r.err, /kubetune-trainer: backend \S+/);
  assert.match(r.err, /done after 3 epochs val_loss=/);
});

test("SIGTERM stops training gracefully: final report, exit 0", async () => {
  let signalled = false;
  const r = await trainer(["--dataset=iris", "--epochs=100000"], { KUBETUNE_REPORT: "stdio" }, (m, child) => {
    if (!signalled && m.step === 2) {
      signalled = true;
      child.kill("SIGTERM");
    }
  });
  assert.equal(r.code, 0, r.err);
  const final = reports(r.out).at(-1);
  assert.equal(final?.final, true);
  assert.ok((final?.metrics.epochs_completed ?? 0) >= 2);
  assert.match(r.err, /stop requested \(SIGTERM\)/);
  assert.match(r.err, /stopped \(SIGTERM\) after \d+ epochs/);
});

test("a stop during an epoch abandons that epoch: no report for it, final says 0 epochs", async () => {
  let signalled = false;
  const r = await trainer(["--dataset=mnist", "--samples=3000", "--epochs=3"], { KUBETUNE_REPORT: "stdio" }, (m, child) => {
    if (!signalled && m.step === 0) {
      signalled = true;
      child.kill("SIGTERM");
    }
  });
  assert.equal(r.code, 0, r.err);
  const sent = reports(r.out);
  assert.deepEqual(sent.map((m) => [m.step, m.final ?? false]), [[0, false], [0, true]]);
  assert.deepEqual(sent[1]?.metrics, { epochs_completed: 0 });
});

test("a stop line on stdin stops training gracefully", async () => {
  let asked = false;
  const r = await trainer(["--dataset=iris", "--epochs=100000"], { KUBETUNE_REPORT: "stdio" }, (m, child) => {
    if (!asked && m.step === 1) {
      asked = true;
      child.stdin?.write('{"action":"stop","reason":"asha rung 1"}\n');
    }
  });
  assert.equal(r.code, 0, r.err);
  assert.equal(reports(r.out).at(-1)?.final, true);
  assert.match(r.err, /stopped \(asha rung 1\)/);
});

test("run by hand, reports are humane lines on stderr and stdout stays empty", async () => {
  const r = await trainer(["--epochs=2", "--model=linear"], { KUBETUNE_REPORT: "" });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "");
  assert.match(r.err, /kubetune: step 1 {2}val_loss=\S+ {2}val_accuracy=/);
  assert.match(r.err, /kubetune: final {2}step 2 /);
});
