import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiException, type KubeConfig } from "@kubernetes/client-node";
import { jsonClient, send } from "./http.ts";
import { PooledKubeConfig } from "./kubeconfig.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A plain HTTP stand-in for the API server: records each request, answers with `reply`. */
async function server(reply: (s: Seen) => { status: number; body: string }): Promise<{ url: string; seen: Seen[]; close(): void }> {
  const seen: Seen[] = [];
  const srv = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const s = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(s);
      const r = reply(s);
      res.writeHead(r.status, { "content-type": "application/json" }).end(r.body);
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen, close: () => srv.close() };
}

/** A kubeconfig for `serverUrl` with a bearer token; counts how often credentials are applied. */
class CountingKubeConfig extends PooledKubeConfig {
  applied = 0;
  constructor(serverUrl: string) {
    super();
    this.loadFromOptions({
      clusters: [{ name: "c", server: serverUrl, skipTLSVerify: true }],
      users: [{ name: "u", token: "t0k3n" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
  }
  override async applySecurityAuthentication(...args: Parameters<KubeConfig["applySecurityAuthentication"]>): Promise<void> {
    this.applied++;
    await super.applySecurityAuthentication(...args);
  }
}

test("JSON in and out with the kubeconfig's credentials, applied once per second; a path prefix of the server is kept", async () => {
  const s = await server((r) => ({ status: 201, body: JSON.stringify({ metadata: { uid: "u-1" }, echo: r.body }) }));
  try {
    let t = 0;
    const kc = new CountingKubeConfig(`${s.url}/prefix/`);
    const call = jsonClient(kc, () => t);
    const out = (await call("POST", "/api/v1/namespaces/ns/pods", { metadata: { name: "p" } })) as { metadata: { uid: string }; echo: string };
    assert.equal(out.metadata.uid, "u-1");
    assert.deepEqual(JSON.parse(out.echo), { metadata: { name: "p" } });
    await call("PATCH", "/apis/g/v1/namespaces/ns/trials/a/status", { status: { phase: "Running" } }, "application/merge-patch+json");
    assert.equal(kc.applied, 1, "credentials reused within the second");
    t = 1000;
    await call("DELETE", "/api/v1/namespaces/ns/pods/p");
    assert.equal(kc.applied, 2, "and applied again after it");
    assert.deepEqual(s.seen.map((x) => [x.method, x.url, x.headers.authorization, x.headers["content-type"]]), [
      ["POST", "/prefix/api/v1/namespaces/ns/pods", "Bearer t0k3n", "application/json"],
      ["PATCH", "/prefix/apis/g/v1/namespaces/ns/trials/a/status", "Bearer t0k3n", "application/merge-patch+json"],
      ["DELETE", "/prefix/api/v1/namespaces/ns/pods/p", "Bearer t0k3n", undefined],
    ]);
  } finally {
    s.close();
  }
});

test("a refusal rejects with client-node's ApiException carrying the API server's Status", async () => {
  const status = { kind: "Status", code: 409, reason: "AlreadyExists", message: 'pods "p" already exists' };
  const s = await server(() => ({ status: 409, body: JSON.stringify(status) }));
  try {
    const call = jsonClient(new CountingKubeConfig(s.url));
    const e: unknown = await call("POST", "/api/v1/namespaces/ns/pods", {}).then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof ApiException);
    assert.equal(e.code, 409);
    assert.deepEqual(e.body, status);
  } finally {
    s.close();
  }
});

test("without a connection pool from the kubeconfig, the request goes through fetch", async () => {
  const s = await server((r) => ({ status: 200, body: JSON.stringify({ method: r.method, body: r.body }) }));
  try {
    const r = await send(undefined, new URL(`${s.url}/x`), "PATCH", { "content-type": "application/json" }, '{"a":1}');
    assert.deepEqual([r.status, JSON.parse(r.text)], [200, { method: "PATCH", body: '{"a":1}' }]);
  } finally {
    s.close();
  }
});
