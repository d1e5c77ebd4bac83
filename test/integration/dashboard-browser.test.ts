import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerResponse } from "node:http";
import { fakeApiServer, reply } from "../fixtures/fake-apiserver.ts";
import { clusterJobObject, clusterTrialObject } from "../fixtures/cluster-job.ts";
import { openBrowser, type Browser } from "../chromium.ts";

// The dashboard's page in a real headless Chromium, over the real CLI, informers and event stream, against
// a stand-in API server whose watch sends Trial events on cue: the same checks as dashboard.test.ts, without
// the test cluster, and with a hostile reason and parameter value the cluster test cannot produce.

const root = join(import.meta.dirname, "../..");
const bin = join(root, "controller/src/cli/bin.ts");
const EVIL = `"><img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;
const BASE = "/apis/kubetune.io/v1alpha1/namespaces/ns";

let child: ChildProcess | undefined;
let browser: Browser | undefined;
let closeServer: (() => Promise<void>) | undefined;
after(async () => {
  await browser?.close();
  child?.kill("SIGTERM");
  await closeServer?.();
});

test("the dashboard page follows watch events: job list, a growing curve count, a stopped trial's reason, hostile text as text", async () => {
  const job = clusterJobObject("live", "ns", { phase: "Running", progress: "0/20" });
  const spec = job.spec as { parameters: { name: string; values?: string[] }[] };
  spec.parameters[3] = { ...spec.parameters[3], name: "optimizer", values: [EVIL, "sgd"] };
  const watches = new Map<string, Set<ServerResponse>>();
  const server = await fakeApiServer((req, res) => {
    if (req.query.get("watch") === "true") {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      const set = watches.get(req.path) ?? new Set();
      set.add(res);
      watches.set(req.path, set);
      res.on("close", () => set.delete(res));
      return;
    }
    const items = req.path === `${BASE}/tuningjobs` ? [job] : req.path === `${BASE}/trials` ? [] : undefined;
    if (items === undefined) return reply(res, 404, { kind: "Status", reason: "NotFound", message: "not found" });
    reply(res, 200, { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "1" }, items });
  });
  closeServer = server.close;
  const emit = (type: "ADDED" | "MODIFIED", object: unknown): void => {
    for (const res of watches.get(`${BASE}/trials`) ?? []) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "kubetune-dash-")), "kubeconfig");
  writeFileSync(kubeconfig, server.kc.exportConfig());
  const started = await new Promise<string>((resolve, reject) => {
    child = spawn(process.execPath, [bin, "dashboard", "--namespace", "ns", "--port", "0", "--kubeconfig", kubeconfig], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    let err = "";
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on("close", (code) => reject(new Error(`kubetune dashboard exited ${code}: ${err}`)));
  });
  browser = await openBrowser(started);
  const b = browser;
  await b.waitFor("the job's row", "document.querySelector('#jobs tr[data-job=\"live\"] a')");
  await b.evaluate("document.querySelector('#jobs tr[data-job=\"live\"] a').click()");
  await b.waitFor("the job without Trials", "document.getElementById('problem').textContent.includes('has no Trials yet')");
  // A mark on this document: a reload would lose it.
  await b.evaluate("window.kubetuneMark = 'same page'");
  const until = (what: string, n: number) => b.waitFor(what, `document.querySelectorAll('#section-curves polyline').length === ${n}`, 60_000);
  const curve = (k: number) => Array.from({ length: k }, (_, i) => ({ step: i + 1, value: 1 / (i + 2) }));
  emit("ADDED", clusterTrialObject("live", 0, { phase: "Running", curve: curve(3), value: 1 / 4 }));
  emit("ADDED", clusterTrialObject("live", 1, { phase: "Running", curve: curve(2), value: 1 / 3 }, { lr: 0.1, batch: 16, dropout: 0, optimizer: EVIL, units: 1 }));
  await until("two curves", 2);
  emit("MODIFIED", clusterTrialObject("live", 1, { phase: "EarlyStopped", reason: `asha: rung 2 ${EVIL}`, curve: curve(2), value: 1 / 3 }, { lr: 0.1, batch: 16, dropout: 0, optimizer: EVIL, units: 1 }));
  emit("ADDED", clusterTrialObject("live", 2, { phase: "Running", curve: curve(1), value: 1 / 2 }));
  emit("ADDED", clusterTrialObject("live", 3, { phase: "Running", curve: curve(4), value: 1 / 5 }));
  await until("four curves", 4);
  assert.equal(await b.evaluate("window.kubetuneMark"), "same page", "no reload");
  const reason = await b.waitFor<string>("the stopped trial's reason", "document.querySelector('#trials tr[data-trial=\"live-00001\"] td.reason')?.textContent");
  assert.equal(reason, `asha: rung 2 ${EVIL}`);
  assert.equal(await b.evaluate("document.querySelector('#trials tr[data-trial=\"live-00001\"] td.earlyStopped')?.textContent"), "earlyStopped");
  assert.equal(await b.evaluate("document.querySelectorAll('#section-curves polyline.stopped').length"), 1, "the stopped curve is marked");
  assert.notEqual(await b.evaluate("document.title"), "pwned");
  assert.equal(await b.evaluate("document.querySelectorAll('img, #main script').length"), 0);
  // Filtering by outcome leaves the stopped trial; the filter survives the next update.
  await b.evaluate("(() => { const s = document.getElementById('outcome'); s.value = 'earlyStopped'; s.dispatchEvent(new Event('change')); })()");
  emit("MODIFIED", clusterTrialObject("live", 0, { phase: "Succeeded", curve: curve(5), value: 1 / 6 }));
  await b.waitFor("the next update", "document.getElementById('summary').textContent.includes('1 succeeded')");
  assert.deepEqual(await b.evaluate("[...document.querySelectorAll('#trials tr[data-trial]')].map((r) => r.dataset.trial)"), ["live-00001"]);
  const shot = join(mkdtempSync(join(tmpdir(), "kubetune-dash-")), "dashboard.png");
  await b.screenshot(shot);
  assert.equal(readFileSync(shot).subarray(1, 4).toString(), "PNG");
});
