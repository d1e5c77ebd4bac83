import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { headers, type MsgHdrs } from "@nats-io/transport-node";
import { SIGNATURE_HEADER, signReport, trialReportKey } from "../../controller/src/api/report-signature.ts";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, scrape, startTestController, TEST_SIGNING_KEY, until, type Started } from "./controller-harness.ts";

let cluster: TestCluster;
let ctl: Started | undefined;

before(async () => {
  cluster = await withCluster({ namespacePrefix: "ctl-hostile" });
  const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "-f", join(root, "crds")], { namespace: null });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await ctl?.controller.stop();
  await cluster?.cleanup();
});

/** A signature header made with `key` (a trial's report key) for this subject and body. */
const signedWith = (key: string, subject: string, body: Uint8Array): MsgHdrs => {
  const h = headers();
  h.set(SIGNATURE_HEADER, signReport(key, subject, body));
  return h;
};

const count = (text: string, result: string): number => Number(new RegExp(`kubetune_metric_messages_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? "NaN");

test("malformed and hostile NATS messages change nothing and are counted by reason", async () => {
  ctl = await startTestController(cluster);
  const api = clients(cluster);
  const ns = cluster.namespace;
  const EPOCHS = 40;
  const applied = await cluster.kubectl(["apply", "-f", "-"], { input: irisJob("target", { budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 0 } }, EPOCHS) });
  assert.equal(applied.code, 0, applied.stderr);
  await until("the trial to report", async () => {
    const s = (await api.trials())[0]?.status as { lastStep?: number } | undefined;
    return (s?.lastStep ?? -1) >= 1 ? true : undefined;
  }, 60_000);

  const nc = await connect({ servers: cluster.natsUrl });
  const js = jetstream(nc);
  const subject = `kubetune.metrics.${ns}.target.target-00000`;
  const enc = (s: string) => new TextEncoder().encode(s);
  const hostile: [string, Uint8Array][] = [
    [subject, enc('{"trial":"target-00000","step":5000,"metrics":{"val_loss":-1000},"extra":1}')], // invalid_schema
    [subject, enc('{"trial":"target-00000","step":5001,"metrics":{"val_loss":"low"}}')], // invalid_schema
    [subject, enc('{"trial":"target-00000","step":5002,"metrics":{"val_loss":1e999}}')], // invalid_schema (infinite)
    [subject, enc('{"trial":"target-00000","step":5003,"metrics":{"val_loss":NaN}}')], // invalid_json
    [subject, enc("\u0000\u0001 not json at all")], // invalid_json
    [subject, enc('{"trial":"target-00001","step":5004,"metrics":{"val_loss":-1000}}')], // subject_mismatch
    [`kubetune.metrics.${ns}.target.target-00099`, enc('{"trial":"target-00099","step":1,"metrics":{"val_loss":-1000}}')], // unknown_trial
    [`kubetune.metrics.${ns}.nosuchjob.nosuchjob-00000`, enc('{"trial":"nosuchjob-00000","step":1,"metrics":{"val_loss":-1000}}')], // unknown_trial
    [`kubetune.metrics.${ns}.target`, enc('{"trial":"target","step":1,"metrics":{"val_loss":-1000}}')], // bad_subject
  ];
  // Signed with the trial's own key, so each reaches the check it is meant to fail.
  const uid = (await api.trials())[0]?.metadata?.uid ?? "";
  const key = trialReportKey(Buffer.from(TEST_SIGNING_KEY), { namespace: ns, job: "target", trial: "target-00000", uid });
  for (const [s, data] of hostile) await js.publish(s, data, s === subject ? { headers: signedWith(key, s, data) } : {});
  // A message over 64 KiB is refused by the stream itself (max_msg_size), so it never reaches the controller.
  await assert.rejects(js.publish(subject, enc(JSON.stringify({ trial: "target-00000", step: 6000, metrics: { val_loss: -1000 }, pad: "x".repeat(70 * 1024) }))));
  await nc.close();

  const text = await until("the rejects to be counted", async () => {
    const t = await scrape(ctl!.controller);
    return count(t, "unknown_trial") >= 2 && count(t, "bad_subject") >= 1 && count(t, "invalid_schema") >= 3 ? t : undefined;
  }, 30_000);
  assert.equal(count(text, "invalid_schema"), 3);
  assert.equal(count(text, "invalid_json"), 2);
  assert.equal(count(text, "subject_mismatch"), 1);
  assert.equal(count(text, "unknown_trial"), 2);
  assert.equal(count(text, "bad_subject"), 1);
  assert.ok(count(text, "accepted") >= 1);

  const job = await until("the job to finish", async () => {
    const j = await api.job("target");
    return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
  }, 120_000);
  assert.equal(job.status?.phase, "Succeeded", JSON.stringify(job.status));
  const trials = await api.trials();
  assert.equal(trials.length, 1, "no trial appeared from a message");
  const s = trials[0]?.status as { value: number; curve: { step: number; value: number }[]; lastStep: number };
  assert.ok(s.curve.every((p) => p.step <= EPOCHS && p.value > -1000), `no hostile point entered the curve: ${JSON.stringify(s.curve)}`);
  assert.equal(s.curve.length, EPOCHS);
  assert.ok(s.value > -1000);
  assert.equal(s.lastStep, EPOCHS, "the trainer's epochs are steps 1..EPOCHS");
  assert.ok(ctl.logs.some((l) => l.includes('"reason":"subject_mismatch"')), "rejects are logged with their reason");
});

test("a forged report for another job's trial is rejected and counted, whether unsigned or signed with another trial's key", async () => {
  ctl ??= await startTestController(cluster);
  const api = clients(cluster);
  const ns = cluster.namespace;
  // Long enough that the forgeries arrive while the victim runs (200 is the stored curve's bound).
  const EPOCHS = 150;
  for (const [name, epochs] of [["victim", EPOCHS], ["attacker", 3]] as const) {
    const applied = await cluster.kubectl(["apply", "-f", "-"], { input: irisJob(name, { budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 0 } }, epochs) });
    assert.equal(applied.code, 0, applied.stderr);
  }
  const reported = async (trial: string) => ((await api.trials()).find((t) => t.metadata?.name === trial)?.status as { lastStep?: number } | undefined)?.lastStep ?? -1;
  await until("the victim to report", async () => ((await reported("victim-00000")) >= 1 ? true : undefined), 90_000);
  // The attacker's credential, exactly as its Pod gets it: the key in its Trial's Secret.
  const secret = await until("the attacker's key Secret", async () => (await api.core.listNamespacedSecret({ namespace: ns, labelSelector: "kubetune.io/trial=attacker-00000" })).items[0], 30_000);
  const attackerKey = Buffer.from(secret.data?.key ?? "", "base64").toString();
  assert.equal(attackerKey.length, 43, "a base64url HMAC-SHA256");
  const attackerTrial = (await api.trials()).find((t) => t.metadata?.name === "attacker-00000");
  assert.deepEqual(secret.metadata?.ownerReferences?.map((o) => [o.kind, o.uid]), [["Trial", attackerTrial?.metadata?.uid]], "the Secret is owned by its Trial");
  await until("the attacker's own reports to be accepted", async () => ((await reported("attacker-00000")) >= 1 ? true : undefined), 90_000);
  const before = await scrape(ctl.controller);

  const nc = await connect({ servers: cluster.natsUrl });
  const js = jetstream(nc);
  const subject = `kubetune.metrics.${ns}.victim.victim-00000`;
  const forged = (step: number) => new TextEncoder().encode(JSON.stringify({ trial: "victim-00000", step, metrics: { val_loss: -1000, val_accuracy: -5 } }));
  await js.publish(subject, forged(2));
  await js.publish(subject, forged(3), { headers: signedWith(attackerKey, subject, forged(3)) });
  // Signed with the attacker's key over the attacker's own subject, then sent on the victim's.
  await js.publish(subject, forged(4), { headers: signedWith(attackerKey, `kubetune.metrics.${ns}.attacker.attacker-00000`, forged(4)) });
  await nc.close();

  const delta = (t: string, result: string) => count(t, result) - count(before, result);
  const text = await until("the forgeries to be counted", async () => {
    const t = await scrape(ctl!.controller);
    return delta(t, "unsigned") >= 1 && delta(t, "bad_signature") >= 2 ? t : undefined;
  }, 30_000);
  const victimPhase = ((await api.trials()).find((t) => t.metadata?.name === "victim-00000")?.status as { phase?: string } | undefined)?.phase;
  assert.equal(victimPhase, "Running", "the forgeries were judged while the victim ran");
  assert.equal(delta(text, "unsigned"), 1);
  assert.equal(delta(text, "bad_signature"), 2);
  assert.ok(ctl.logs.some((l) => l.includes('"reason":"bad_signature"') && l.includes("victim-00000")), "rejects are logged with their reason");

  const job = await until("the victim's job to finish", async () => {
    const j = await api.job("victim");
    return j.status?.phase === "Succeeded" || j.status?.phase === "Failed" ? j : undefined;
  }, 180_000);
  assert.equal(job.status?.phase, "Succeeded", JSON.stringify(job.status));
  const victim = (await api.trials()).find((t) => t.metadata?.name === "victim-00000");
  const s = victim?.status as { value: number; curve: { step: number; value: number }[]; metrics: Record<string, number> };
  assert.ok(s.curve.every((p) => p.value > -1000), `no forged point entered the curve: ${JSON.stringify(s.curve)}`);
  assert.equal(s.curve.length, EPOCHS, "every real epoch is there");
  assert.ok(s.value > -1000 && s.value < 10, `the trial's value is its own: ${s.value}`);
  assert.ok((s.metrics.val_accuracy ?? -1) >= 0, `the trial's metrics are its own: ${JSON.stringify(s.metrics)}`);

  // Deleted with its Trial: the job's deletion takes its Trials, their Pods and their Secrets.
  assert.equal((await cluster.kubectl(["delete", "tuningjob", "attacker", "--wait=false"])).code, 0);
  await until("the attacker's Secret to be garbage-collected", async () => ((await api.core.listNamespacedSecret({ namespace: ns, labelSelector: "kubetune.io/trial=attacker-00000" })).items.length === 0 ? true : undefined), 60_000);
});
