import { test } from "node:test";
import assert from "node:assert/strict";
import { collectCommand } from "./collect-command.ts";
import { styleFor } from "../local/style.ts";

async function run(args: string[], env: Record<string, string>): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const code = await collectCommand(args, { out: () => {}, err: (l) => err.push(l), style: styleFor({ isTTY: false }, {}), stdin: () => "" }, env, new AbortController().signal);
  return { code, err: err.join("\n") };
}

const env = {
  KUBETUNE_COLLECTOR: JSON.stringify({ kind: "stdout", format: "keyvalue" }),
  KUBETUNE_COLLECT_FILE: "/kubetune-metrics/stdout.log",
  KUBETUNE_NATS_URL: "nats://127.0.0.1:1",
  KUBETUNE_NAMESPACE: "ns",
  KUBETUNE_JOB: "j",
  KUBETUNE_TRIAL: "j-00001",
};

test("kubetune collect refuses a bad environment, naming every variable at fault, before connecting anywhere", async () => {
  const { KUBETUNE_TRIAL: _, ...noTrial } = env;
  const r = await run([], { ...noTrial, KUBETUNE_COLLECTOR: JSON.stringify({ kind: "stdout", format: "regex", pattern: "(a+)+" }), KUBETUNE_COLLECT_FILE: "relative.log" });
  assert.equal(r.code, 2);
  assert.match(r.err, /KUBETUNE_COLLECTOR\.pattern repeats a group/);
  assert.match(r.err, /KUBETUNE_COLLECT_FILE must be an absolute path/);
  assert.match(r.err, /KUBETUNE_TRIAL is not set/);
  assert.match((await run([], { ...env, KUBETUNE_COLLECTOR: "{" })).err, /KUBETUNE_COLLECTOR is not JSON/);
});

test("kubetune collect takes no arguments; --help says what it does", async () => {
  assert.equal((await run(["--file=x"], env)).code, 2);
  const help = await run(["--help"], env);
  assert.equal(help.code, 0);
  assert.match(help.err, /on SIGTERM reads the file to its end, sends a final report and exits 0/);
});
