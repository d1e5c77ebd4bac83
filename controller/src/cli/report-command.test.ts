import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./main.ts";
import { styleFor } from "../local/style.ts";
import { Results } from "../local/results.ts";
import { serveFinishedClusterJob } from "../../../test/fixtures/cluster-job.ts";

async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), style: styleFor({ isTTY: false }, {}), stdin: () => "" });
  return { code, out, err };
}

/** Runs `fn` with a kubeconfig file pointing at a fake API server that serves the finished fixture job in namespace ns. */
async function withCluster(fn: (kubeconfig: string, tmp: string) => Promise<void>): Promise<void> {
  const s = await serveFinishedClusterJob();
  const tmp = mkdtempSync(join(tmpdir(), "kubetune-report-"));
  const kubeconfig = join(tmp, "kubeconfig");
  writeFileSync(kubeconfig, s.kc.exportConfig());
  try {
    await fn(kubeconfig, tmp);
  } finally {
    await s.close();
  }
}

test("report tj/NAME writes results.json, trials.csv and report.html of the cluster job", async () => {
  await withCluster(async (kubeconfig, tmp) => {
    const out = join(tmp, "out");
    const r = await run(["report", "tj/fixture-job", "-n", "ns", "--kubeconfig", kubeconfig, "--out", out]);
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.deepEqual(r.out, ["results.json", "trials.csv", "report.html"].map((f) => join(out, f)));
    const results = Results.parse(JSON.parse(readFileSync(join(out, "results.json"), "utf8")));
    assert.equal(results.trials.length, 3);
    assert.match(readFileSync(join(out, "trials.csv"), "utf8"), /^name,outcome,value,param\.lr,/);
    assert.match(readFileSync(join(out, "report.html"), "utf8"), /<h2>Learning curves<\/h2>/);
  });
});

test("report of a cluster job: each bad input is one line naming what is wrong, exit code 1 (2 for usage)", async () => {
  await withCluster(async (kubeconfig, tmp) => {
    const cases: [string[], number, RegExp][] = [
      [["tj/nope", "-n", "ns"], 1, /^✗ TuningJob "nope" not found in namespace "ns"/],
      [["tj/fixture-job", "-n", "locked"], 1, /^✗ not allowed to get tuningjobs in namespace "locked" \(403 Forbidden\)/],
      [["tj/Bad_Name", "-n", "ns"], 2, /^kubetune report: "Bad_Name" is not a TuningJob name/],
    ];
    for (const [args, code, message] of cases) {
      const r = await run(["report", ...args, "--kubeconfig", kubeconfig, "--out", join(tmp, "x")]);
      assert.equal(r.code, code, args.join(" "));
      assert.match(r.err[0] ?? "", message);
    }
    const missing = await run(["report", "tj/fixture-job", "--kubeconfig", join(tmp, "absent")]);
    assert.equal(missing.code, 1);
    assert.deepEqual(missing.err, [`✗ kubeconfig ${join(tmp, "absent")} does not exist (from --kubeconfig)`]);
  });
});

test("report of a run directory refuses the cluster flags", async () => {
  const r = await run(["report", "some-run", "-n", "ns"]);
  assert.equal(r.code, 2);
  assert.match(r.err[0] ?? "", /--namespace applies to a cluster job/);
});
