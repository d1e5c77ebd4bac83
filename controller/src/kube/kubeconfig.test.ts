import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpMethod, RequestContext } from "@kubernetes/client-node";
import { PooledKubeConfig } from "./kubeconfig.ts";

const config = (cert: string) => ({
  clusters: [{ name: "c", server: "https://127.0.0.1:6443", caData: Buffer.from("ca").toString("base64") }],
  users: [{ name: "u", certData: Buffer.from(cert).toString("base64"), keyData: Buffer.from("key").toString("base64") }],
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
  kc.loadFromOptions(config("cert-1"));
  const first = await dispatcherOf(kc);
  assert.ok(first);
  assert.equal(await dispatcherOf(kc), first);
  kc.loadFromOptions(config("cert-2"));
  const rotated = await dispatcherOf(kc);
  assert.notEqual(rotated, first, "a rotated client certificate gets a new pool");
  assert.equal(await dispatcherOf(kc), rotated);
});
