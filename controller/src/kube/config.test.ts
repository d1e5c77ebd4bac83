import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "./config.ts";
import { startController } from "./main.ts";

test("flags override env; namespaces are a comma list; defaults fill the rest", () => {
  const c = parseConfig(["--namespaces=a, b", "--metrics-port=9090"], { KUBETUNE_NATS_URL: "nats://x:4222", KUBETUNE_METRICS_PORT: "1" });
  assert.deepEqual(c.namespaces, ["a", "b"]);
  assert.equal(c.metricsPort, 9090);
  assert.equal(c.natsUrl, "nats://x:4222");
  assert.equal(c.leaseName, "kubetune-controller");
});

test("secrets are read from mounted files", () => {
  const dir = mkdtempSync(join(tmpdir(), "cfg-"));
  writeFileSync(join(dir, "pw"), "s3cret\n");
  const c = parseConfig([], { KUBETUNE_NATS_USER: "ctl", KUBETUNE_NATS_PASSWORD_FILE: join(dir, "pw") });
  assert.equal(c.natsUser, "ctl");
  assert.equal(c.natsPassword, "s3cret");
  assert.throws(() => parseConfig([], { KUBETUNE_NATS_TOKEN_FILE: join(dir, "missing") }), /KUBETUNE_NATS_TOKEN_FILE=.*cannot read/);
});

test("bad settings are refused with the setting named", () => {
  assert.throws(() => parseConfig(["--metrics-port=http"], {}), /metricsPort/);
  assert.throws(() => parseConfig(["--nats-url=http://x"], {}), /natsUrl: must be a nats:\/\//);
  assert.throws(() => parseConfig(["--bogus=1"], {}), /unknown argument "--bogus=1"/);
  assert.throws(() => parseConfig(["--lease-duration=5", "--lease-renew=10"], {}), /renewSeconds/);
  assert.throws(() => parseConfig(["--namespaces=Bad_NS"], {}), /namespaces/);
});

test("the signing key comes from env or a mounted file, must be long enough, and verification is on unless turned off", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cfg-"));
  const key = "k".repeat(32);
  writeFileSync(join(dir, "key"), `${key}\n`);
  assert.equal(parseConfig([], { KUBETUNE_SIGNING_KEY_FILE: join(dir, "key") }).signingKey, key);
  assert.equal(parseConfig([], { KUBETUNE_SIGNING_KEY: key }).signingKey, key);
  assert.throws(() => parseConfig([], { KUBETUNE_SIGNING_KEY: "short" }), /signingKey: must be at least 32 bytes/);
  assert.throws(() => parseConfig(["--signing-key=x"], {}), /unknown argument/, "never a flag: flags show up in ps");
  assert.equal(parseConfig([], {}).verifyReports, true);
  assert.equal(parseConfig(["--verify-reports=false"], {}).verifyReports, false);
  assert.equal(parseConfig([], { KUBETUNE_VERIFY_REPORTS: "false" }).verifyReports, false);
  assert.throws(() => parseConfig(["--verify-reports=no"], {}), /verifyReports: must be "true" or "false"/);
  // Refused before anything connects: no kubeconfig, NATS or port is touched.
  await assert.rejects(startController(parseConfig([], {})), /no signing key: set KUBETUNE_SIGNING_KEY_FILE .* or turn sender verification off with --verify-reports=false/);
});
