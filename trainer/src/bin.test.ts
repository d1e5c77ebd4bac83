import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { canStripTypes } from "../../bin/run-ts.mjs";

const BIN = fileURLToPath(new URL("../../bin/kubetune-trainer", import.meta.url));

test("type stripping is detected from the Node version and flags", () => {
  assert.equal(canStripTypes("22.18.0", []), true);
  assert.equal(canStripTypes("24.1.0", []), true);
  assert.equal(canStripTypes("22.17.1", []), false);
  assert.equal(canStripTypes("20.20.2", []), false);
  assert.equal(canStripTypes("22.6.0", ["--experimental-strip-types"]), true);
});

// The system Node (often older than 22.18) is what a bare `kubetune-trainer` on PATH would run under.
const systemNodes = ["/usr/bin/node", process.execPath].filter((n, i, all) => all.indexOf(n) === i && spawnSync(n, ["--version"]).status === 0);

for (const node of systemNodes) {
  const version = spawnSync(node, ["--version"]).stdout.toString().trim();
  test(`the kubetune-trainer launcher works under ${node} (${version}): exit codes and SIGTERM pass through`, async () => {
    const bad = spawnSync(node, [BIN, "--epochs=x"], { env: { ...process.env, KUBETUNE_REPORT: "", KUBETUNE_NATS_URL: "" } });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr.toString(), /epochs="x"/);
    const child = spawn(node, [BIN, "--epochs=100000", "--model=linear"], { env: { ...process.env, KUBETUNE_REPORT: "stdio", KUBETUNE_NATS_URL: "" } });
    let out = "";
    let err = "";
    let signalled = false;
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!signalled && out.includes('"step":2')) {
        signalled = true;
        child.kill("SIGTERM");
      }
    });
    const code = await new Promise((resolve) => child.on("exit", (c) => resolve(c)));
    assert.equal(code, 0, err);
    assert.match(out.trimEnd().split("\n").at(-1) ?? "", /"final":true/);
  });
}
