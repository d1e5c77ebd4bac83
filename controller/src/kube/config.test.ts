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

test("the start-up timeout is a flag or KUBETUNE_STARTUP_TIMEOUT, 120 s by default", () => {
  assert.equal(parseConfig([], {}).startupTimeoutSeconds, 120);
  assert.equal(parseConfig([], { KUBETUNE_STARTUP_TIMEOUT: "30" }).startupTimeoutSeconds, 30);
  assert.equal(parseConfig(["--startup-timeout=5"], { KUBETUNE_STARTUP_TIMEOUT: "30" }).startupTimeoutSeconds, 5);
  assert.throws(() => parseConfig(["--startup-timeout=0"], {}), /startupTimeoutSeconds: must be > 0/);
});

test("how long the API server or NATS may be unreachable before /healthz fails: 60 s by default, from env or flag", () => {
  assert.equal(parseConfig([], {}).unhealthyAfterSeconds, 60);
  assert.equal(parseConfig([], { KUBETUNE_UNHEALTHY_AFTER_SECONDS: "90" }).unhealthyAfterSeconds, 90);
  assert.equal(parseConfig(["--unhealthy-after=5"], { KUBETUNE_UNHEALTHY_AFTER_SECONDS: "90" }).unhealthyAfterSeconds, 5);
  assert.throws(() => parseConfig(["--unhealthy-after=0"], {}), /unhealthyAfterSeconds: must be > 0/);
});

test("the metrics stream's limits: defaults, env and flags, refused when too small", () => {
  const d = parseConfig([], {});
  assert.deepEqual([d.streamMaxAgeSeconds, d.streamMaxBytes, d.streamMaxMessagesPerSubject], [604_800, 1024 ** 3, 10_000]);
  const c = parseConfig(["--stream-max-age=3600", "--stream-max-msgs-per-subject=500"], { KUBETUNE_STREAM_MAX_BYTES: "2097152", KUBETUNE_STREAM_MAX_AGE_SECONDS: "99999" });
  assert.deepEqual([c.streamMaxAgeSeconds, c.streamMaxBytes, c.streamMaxMessagesPerSubject], [3600, 2_097_152, 500]);
  assert.throws(() => parseConfig(["--stream-max-bytes=1000"], {}), /streamMaxBytes: must be at least 1 MiB/);
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
