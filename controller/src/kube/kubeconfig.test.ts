import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpMethod, RequestContext } from "@kubernetes/client-node";
import { PooledKubeConfig } from "./kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "kubeconfig-"));
const certFile = join(dir, "client.crt");
writeFileSync(certFile, "cert-1");

const config = (cert: { certData: string } | { certFile: string }) => ({
  clusters: [{ name: "c", server: "https://127.0.0.1:6443", caData: Buffer.from("ca").toString("base64") }],
  users: [{ name: "u", ...cert, keyData: Buffer.from("key").toString("base64") }],
  contexts: [{ name: "x", cluster: "c", user: "u" }],
  currentContext: "x",
});

const dispatcherOf = async (kc: PooledKubeConfig): Promise<unknown> => {
  const ctx = new RequestContext("https://127.0.0.1:6443/api", HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx.getDispatcher();
};

test("requests share one connection pool until the TLS material changes", async () => {
  const kc = new PooledKubeConfig();
  kc.loadFromOptions(config({ certData: Buffer.from("cert-1").toString("base64") }));
  const first = await dispatcherOf(kc);
  assert.ok(first);
  assert.equal(await dispatcherOf(kc), first);
  kc.loadFromOptions(config({ certData: Buffer.from("cert-2").toString("base64") }));
  const rotated = await dispatcherOf(kc);
  assert.notEqual(rotated, first, "a new inline client certificate gets a new pool");
  assert.equal(await dispatcherOf(kc), rotated);
});

test("a certificate file rewritten in place gets a new pool", async () => {
  const kc = new PooledKubeConfig();
  kc.loadFromOptions(config({ certFile }));
  const first = await dispatcherOf(kc);
  assert.equal(await dispatcherOf(kc), first);
  writeFileSync(certFile, "cert-2");
  utimesSync(certFile, new Date(), new Date(Date.now() + 5000));
  assert.notEqual(await dispatcherOf(kc), first);
});
