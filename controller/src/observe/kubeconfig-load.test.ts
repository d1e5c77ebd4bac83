import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadKubeConfig } from "./kubeconfig-load.ts";

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://10.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: team-a}}, {name: y, context: {cluster: c, user: u}}]
current-context: x
`;

test("no kubeconfig anywhere is an error, not client-node's silent http://localhost:8080", () => {
  const home = mkdtempSync(join(tmpdir(), "kubetune-home-"));
  const r = loadKubeConfig({}, {}, home);
  assert.deepEqual(r, { ok: false, reason: "no_kubeconfig", detail: `no kubeconfig: ${join(home, ".kube", "config")} does not exist and KUBECONFIG is not set (point --kubeconfig or KUBECONFIG at one, as for kubectl)` });
});

test("~/.kube/config is read, with its context's namespace; --context picks another (namespace default)", () => {
  const home = mkdtempSync(join(tmpdir(), "kubetune-home-"));
  mkdirSync(join(home, ".kube"));
  writeFileSync(join(home, ".kube", "config"), KUBECONFIG);
  const r = loadKubeConfig({}, {}, home);
  assert.ok(r.ok);
  assert.equal(r.server, "https://10.0.0.1:6443");
  assert.equal(r.namespace, "team-a");
  const y = loadKubeConfig({ context: "y" }, {}, home);
  assert.ok(y.ok);
  assert.equal(y.namespace, "default");
  const z = loadKubeConfig({ context: "z" }, {}, home);
  assert.ok(!z.ok);
  assert.match(z.detail, /has no cluster for its current context "z"/);
});

test("KUBECONFIG naming a missing file, or a file that is not a kubeconfig, says which file", () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-kc-"));
  const r = loadKubeConfig({}, { KUBECONFIG: join(dir, "gone") }, dir);
  assert.ok(!r.ok);
  assert.equal(r.detail, `kubeconfig ${join(dir, "gone")} does not exist (from $KUBECONFIG)`);
  writeFileSync(join(dir, "bad"), "clusters: [1, 2\n");
  const bad = loadKubeConfig({ kubeconfig: join(dir, "bad") }, {}, dir);
  assert.ok(!bad.ok);
  assert.match(bad.detail, new RegExp(`^cannot load kubeconfig ${join(dir, "bad")}: `));
});
