import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "./config.ts";

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
