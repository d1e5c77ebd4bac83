import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTrialProcess } from "./trial-process.ts";

/** Runs `sh -c script` as a trial and resolves how it exited. */
function run(script: string): Promise<{ ok: boolean; reason?: string }> {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-trial-process-"));
  return new Promise((resolve) => {
    startTrialProcess(
      { trial: "t", file: "/bin/sh", args: ["-c", script], env: { PATH: process.env.PATH ?? "" }, cwd: dir, logPath: join(dir, "t.log") },
      { onStart: () => {}, onReport: () => {}, onBadReport: () => {}, onExit: resolve },
    );
  });
}

test("a local trial killed by SIGKILL fails, and its reason says it may be an OOM kill that kubetune run does not retry", async () => {
  const killed = await run("kill -9 $$");
  assert.equal(killed.ok, false);
  assert.match(killed.reason ?? "", /^was killed by SIGKILL \(SIGKILL: perhaps the kernel's OOM killer; kubetune run does not retry trials/);
  const exit137 = await run("exit 137");
  assert.match(exit137.reason ?? "", /^exited with code 137 \(SIGKILL: perhaps/);
  const plain = await run("exit 2");
  assert.equal(plain.reason, "exited with code 2");
});
