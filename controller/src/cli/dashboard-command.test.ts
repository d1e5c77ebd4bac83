import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dashboardCommand } from "./dashboard-command.ts";
import { styleFor } from "../local/style.ts";

async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await dashboardCommand(argv, { out: (l) => out.push(l), err: (l) => err.push(l), style: styleFor({ isTTY: false }, {}), stdin: () => "" }, AbortSignal.abort());
  return { code, out, err };
}

test("bad flags are usage errors (exit 2) that say which flag and what it takes", async () => {
  for (const [args, message] of [
    [["--port", "70000"], /--port must be at most 65535/],
    [["--port", "web"], /--port must be a port number/],
    [["--namespace", "Not_A_Namespace"], /--namespace must be a namespace name/],
    [["--bogus"], /Unknown option '--bogus'/],
  ] as const) {
    const r = await run([...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err[0] ?? "", message);
  }
});

test("a missing kubeconfig is one line and exit 1; --help prints the usage", async () => {
  const missing = join(mkdtempSync(join(tmpdir(), "kubetune-dash-")), "kubeconfig");
  const r = await run(["--kubeconfig", missing]);
  assert.equal(r.code, 1);
  assert.deepEqual(r.err, [`✗ kubeconfig ${missing} does not exist (from --kubeconfig)`]);
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out[0] ?? "", /^usage: kubetune dashboard \[--namespace N\] \[--port P\]/);
});
