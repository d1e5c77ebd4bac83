import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { withCluster, type TestCluster } from "../cluster/with-cluster.ts";
import { clients, irisJob, root, scrape, startTestController, until, type Started } from "./controller-harness.ts";

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
  for (const [s, data] of hostile) await js.publish(s, data);
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
