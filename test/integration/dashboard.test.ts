import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, startTestController, until, type Started } from "./controller-harness.ts";
import { openBrowser, type Browser } from "../chromium.ts";
import { Results } from "../../controller/src/local/results.ts";
import { bin, runKubetune } from "../kubetune-cli.ts";

const EPOCHS = 30;

let cluster: TestCluster;
let ctl: Started | undefined;
let dashboard: ChildProcess | undefined;
let browser: Browser | undefined;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "dash" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
  ctl = await startTestController(cluster);
});
after(async () => {
  await browser?.close();
  dashboard?.kill("SIGTERM");
  await ctl?.controller.stop();
  await cluster?.cleanup();
});

/** Starts `kubetune dashboard` on a free port and resolves with its URL and its stderr so far. */
function startDashboardCli(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "dashboard", "--port", "0", ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (m) resolve({ child, url: m[1] as string, stderr: () => stderr });
    });
    child.on("close", (code) => reject(new Error(`kubetune dashboard exited ${code}: ${stderr}`)));
  });
}

/**
 * The live job: ASHA over the iris trainer. (Hostile text is dashboard-browser.test.ts's: the trainer
 * refuses parameters it does not know, so a hostile categorical value cannot ride along here.)
 */
function liveManifest(name: string, maxTrials: number): string {
  const doc = parse(irisJob(name, {
    parameters: [
      { name: "learningRate", type: "double", min: 0.00001, max: 0.3, scale: "log" },
      { name: "units", type: "int", min: 2, max: 32 },
    ],
    search: { algorithm: "random", seed: 11 },
    earlyStopping: { algorithm: "asha", settings: { minResource: 2, reductionFactor: 3, maxResource: EPOCHS } },
    budget: { maxTrials, parallelTrials: 2, maxFailedTrials: 1 },
  }, EPOCHS)) as Record<string, unknown>;
  return stringify(doc);
}

test("the dashboard lists a new job live, its curve count grows without a reload, a stopped trial shows its reason", async () => {
  const d = await startDashboardCli(["--namespace", cluster.namespace, "--kubeconfig", cluster.kubeconfigPath]);
  dashboard = d.child;
  browser = await openBrowser(d.url);
  const b = browser;
  await b.waitFor("the empty job list", "document.body.textContent.includes('No TuningJobs in this namespace yet')");
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: liveManifest("live", 8) });
  assert.equal(applied.code, 0, applied.stderr);
  // The page was loaded before the job existed: the row arrives over the watch.
  await b.waitFor("the job's row", "document.querySelector('#jobs tr[data-job=\"live\"] a')");
  await b.evaluate("document.querySelector('#jobs tr[data-job=\"live\"] a').click()");
  const curves = "document.querySelectorAll('#section-curves polyline').length";
  const first = await b.waitFor<number>("a first learning curve", curves, 120_000);
  // A mark on this document: a reload would lose it.
  await b.evaluate("window.kubetuneMark = 'same page'");
  const seen = [first];
  await until("more curves on the same page", async () => {
    const n = await b.evaluate<number>(curves);
    if (n !== seen.at(-1)) seen.push(n);
    return n > first ? n : undefined;
  }, 150_000, async () => `curve counts seen: ${seen.join(", ")}`);
  assert.equal(await b.evaluate("window.kubetuneMark"), "same page", "one page load: the updates came over the event stream");
  const stopped = await b.waitFor<{ name: string; reason: string }>("an early-stopped trial's reason",
    "(() => { const r = document.querySelector('#trials tr td.earlyStopped'); const row = r && r.parentElement; return row && row.querySelector('td.reason').textContent ? { name: row.dataset.trial, reason: row.querySelector('td.reason').textContent } : null })()", 150_000);
  const trial = (await clients(cluster).trials()).find((t) => t.metadata?.name === stopped.name);
  assert.equal(stopped.reason, (trial?.status as { reason?: string }).reason, "the page shows the Trial's own stop reason");
  assert.ok(await b.evaluate("document.querySelectorAll('#section-curves polyline.stopped').length > 0"), "early-stopped curves are marked");
  // Sorting by the objective puts the best trial first (minimize).
  await b.evaluate("document.querySelector('#trials th[data-key=\"value\"]').click()");
  const order = await b.evaluate<string[]>("[...document.querySelectorAll('#trials tr[data-trial]')].map((r) => r.children[2].textContent)");
  const values = order.filter((v) => v !== "–").map(Number);
  assert.deepEqual(values, [...values].sort((x, y) => x - y));
  await until("the job to finish", async () => ((await clients(cluster).job("live")).status?.phase === "Succeeded" ? true : undefined), 170_000);
  await b.waitFor("the finished status on the page", "document.querySelector('#summary .card b')?.textContent === 'Succeeded'", 30_000);
  const shot = process.env.KUBETUNE_DASHBOARD_SCREENSHOT ?? join(mkdtempSync(join(tmpdir(), "kubetune-dash-")), "dashboard.png");
  await b.screenshot(shot);
  assert.equal(readFileSync(shot).subarray(1, 4).toString(), "PNG");
});

/** The metrics the job declares: a cluster keeps only these on its Trials (bounded status), a local run keeps every reported one. */
const DECLARED = ["metric.val_loss", "metric.val_accuracy"];

/** The shape of a run directory: results.json's keys, trials.csv's columns, report.html's sections. */
function shape(dir: string): { top: string[]; status: string[]; trialKeys: string[]; csv: string[]; sections: string[] } {
  const r = Results.parse(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")));
  const everyTrial = r.trials.map((t) => Object.keys(t)).reduce((a, b) => a.filter((k) => b.includes(k)));
  const csv = (readFileSync(join(dir, "trials.csv"), "utf8").split("\n")[0] ?? "").split(",").filter((c) => !c.startsWith("metric.") || DECLARED.includes(c));
  const sections = [...readFileSync(join(dir, "report.html"), "utf8").matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1] as string);
  return { top: Object.keys(r).sort(), status: Object.keys(r.status).sort(), trialKeys: everyTrial.sort(), csv, sections };
}

test("kubetune report tj/NAME of the finished cluster job writes the files a local run writes, in the same shape", async () => {
  const out = mkdtempSync(join(tmpdir(), "kubetune-report-"));
  const cluster_ = await runKubetune(["report", "tj/live", "-n", cluster.namespace, "--kubeconfig", cluster.kubeconfigPath, "--out", join(out, "cluster")]);
  assert.equal(cluster_.code, 0, cluster_.stderr);
  const manifest = join(out, "live.yaml");
  writeFileSync(manifest, liveManifest("live", 3));
  const local = await runKubetune(["run", manifest, "--quiet", "--out", join(out, "local")]);
  assert.equal(local.code, 0, local.stderr);
  assert.deepEqual(shape(join(out, "cluster")), shape(join(out, "local")));
  const r = Results.parse(JSON.parse(readFileSync(join(out, "cluster", "results.json"), "utf8")));
  assert.equal(r.trials.length, 8);
  assert.ok(r.trials.some((t) => t.outcome === "earlyStopped" && t.reason), "the stop reasons come along");
});

test("kubetune report: an unknown job, no RBAC and no cluster each fail with one line naming what is wrong", async () => {
  const unknown = await runKubetune(["report", "tj/nope", "-n", cluster.namespace, "--kubeconfig", cluster.kubeconfigPath]);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr.trim(), `✗ TuningJob "nope" not found in namespace "${cluster.namespace}" (kubectl get tuningjobs -n ${cluster.namespace} lists them)`);
  // The admin's kubeconfig, impersonating a user without any role.
  const dir = mkdtempSync(join(tmpdir(), "kubetune-kc-"));
  const kc = parse(readFileSync(cluster.kubeconfigPath, "utf8")) as { users: { user: Record<string, unknown> }[] };
  for (const u of kc.users) u.user.as = "stranger";
  writeFileSync(join(dir, "stranger"), stringify(kc));
  const forbidden = await runKubetune(["report", "tj/live", "-n", cluster.namespace, "--kubeconfig", join(dir, "stranger")]);
  assert.equal(forbidden.code, 1);
  assert.match(forbidden.stderr.trim(), new RegExp(`^✗ not allowed to get tuningjobs in namespace "${cluster.namespace}" \\(403 Forbidden\\): .*"stranger"[^\\n]*$`));
  const down = kc as unknown as { clusters: { cluster: { server: string } }[] };
  for (const c of down.clusters) c.cluster.server = "https://127.0.0.1:1";
  writeFileSync(join(dir, "down"), stringify(down));
  const unreachable = await runKubetune(["report", "tj/live", "-n", cluster.namespace, "--kubeconfig", join(dir, "down")]);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr.trim(), /^✗ cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:1: [^\n]*ECONNREFUSED[^\n]*$/);
});

test("the dashboard shows a refusal (403) and an unknown job in the page, and logs the refusal", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kubetune-kc-"));
  const kc = parse(readFileSync(cluster.kubeconfigPath, "utf8")) as { users: { user: Record<string, unknown> }[] };
  for (const u of kc.users) u.user.as = "stranger";
  writeFileSync(join(dir, "stranger"), stringify(kc));
  const d = await startDashboardCli(["--namespace", cluster.namespace, "--kubeconfig", join(dir, "stranger")]);
  const b = await openBrowser(d.url);
  try {
    const text = await b.waitFor<string>("the refusal in the page", "document.getElementById('problem').textContent.includes('403') && document.getElementById('problem').textContent");
    assert.match(text, new RegExp(`^not allowed to list tuningjobs in namespace "${cluster.namespace}" \\(403 Forbidden\\)`));
    await until("the refusal in the log", async () => (d.stderr().includes(`✗ ${text}`) ? true : undefined), 10_000, async () => d.stderr());
  } finally {
    await b.close();
    d.child.kill("SIGTERM");
  }
  const ok = await startDashboardCli(["--namespace", cluster.namespace, "--kubeconfig", cluster.kubeconfigPath]);
  const page = await openBrowser(`${ok.url}jobs/${cluster.namespace}/nope`);
  try {
    const text = await page.waitFor<string>("the unknown job in the page", "document.getElementById('problem').textContent.includes('not found') && document.getElementById('problem').textContent");
    assert.equal(text, `TuningJob "nope" not found in namespace "${cluster.namespace}" (kubectl get tuningjobs -n ${cluster.namespace} lists them)`);
  } finally {
    await page.close();
    ok.child.kill("SIGTERM");
  }
});
