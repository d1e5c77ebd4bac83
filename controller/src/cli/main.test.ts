import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { main } from "./main.ts";
import { styleFor } from "../local/style.ts";
import { INVALID_CASES, invalidJob, validJob } from "../../../test/fixtures/invalid-jobs.ts";

const examples = join(import.meta.dirname, "../../../examples");

async function run(argv: string[], stdin = ""): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), style: styleFor({ isTTY: false }, {}), stdin: () => stdin });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

test("validate passes the examples", async () => {
  const r = await run(["validate", join(examples, "iris-grid.yaml"), join(examples, "mnist-mlp-bayesian.yaml")]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /✓ .*iris-grid\.yaml \(TuningJob iris-grid\)/);
});

test("validate prints every problem with its path and exits 1", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-cli-"));
  const file = join(dir, "bad.yaml");
  const job = invalidJob(INVALID_CASES.find((c) => c.rule === "min not below max")!);
  ((job.spec as { budget: Record<string, number> }).budget).parallelTrials = 25;
  writeFileSync(file, stringify(job));
  const r = await run(["validate", file]);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.yaml \(TuningJob fixture-job\): 2 problems/);
  assert.match(r.err, /spec\.parameters\[0\]\.max: must be greater than min \(0\.5\)/);
  assert.match(r.err, /spec\.budget\.parallelTrials: must not exceed maxTrials \(20\)/);
});

test("validate reads standard input for -", async () => {
  assert.equal((await run(["validate", "-"], stringify(validJob()))).code, 0);
});

test("validate names a file it cannot read", async () => {
  const r = await run(["validate", "/nonexistent/job.yaml"]);
  assert.equal(r.code, 1);
  assert.match(r.err, /\/nonexistent\/job\.yaml: cannot read/);
});

test("crds prints both definitions as one YAML stream", async () => {
  const r = await run(["crds"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /name: tuningjobs\.kubetune\.io[\s\S]*---\n[\s\S]*name: trials\.kubetune\.io/);
});

test("an unknown command prints the usage and exits 2", async () => {
  const r = await run(["frobnicate"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command "frobnicate"[\s\S]*Usage:/);
});

test("controller --help prints every controller flag with its environment variable and default, and exits 0", async () => {
  const r = await run(["controller", "--help"]);
  assert.equal(r.code, 0, r.err);
  for (const flag of ["--namespaces", "--nats-url", "--metrics-port", "--lease-duration", "--settle", "--log-level", "--startup-timeout", "--verify-reports"]) assert.match(r.out, new RegExp(`^  ${flag}=`, "m"), flag);
  assert.match(r.out, /--nats-url=…\n\s+NATS server\(s\).*env KUBETUNE_NATS_URL; default nats:\/\/nats:4222/);
  assert.match(r.out, /KUBETUNE_NATS_PASSWORD_FILE/, "secrets are named as environment variables");
  assert.doesNotMatch(r.out, /undefined/, "every flag has its line of help");
  assert.equal((await run(["controller", "-h"])).code, 0);
});

test("a SIGTERM while the controller is still loading stops it with exit 0 (as PID 1 an unhandled signal is lost)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-cli-"));
  const kubeconfig = join(dir, "kubeconfig");
  // An API server nobody answers for: without the signal the controller would wait --startup-timeout.
  writeFileSync(kubeconfig, JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:1", "insecure-skip-tls-verify": true } }], users: [{ name: "u", user: { token: "t" } }], contexts: [{ name: "x", context: { cluster: "c", user: "u" } }], "current-context": "x" }));
  const pending = run(["controller", `--kubeconfig=${kubeconfig}`, "--metrics-port=0", "--metrics-host=127.0.0.1", "--log-level=error", "--startup-timeout=600", "--verify-reports=false"]);
  process.emit("SIGTERM", "SIGTERM");
  const r = await pending;
  assert.equal(r.code, 0, r.err);
  assert.equal(process.listenerCount("SIGTERM"), 0, "no handler is left behind");
});
