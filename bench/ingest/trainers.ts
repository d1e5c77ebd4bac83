// Simulated trainers for bench:ingest, many trials per process: they publish reports the way the SDK does
// (JetStream with a message id and one publish in flight per trial, or core NATS) and time stop requests.
// Usage (forked by main.ts): node trainers.ts '<TrainersConfig JSON>'
import { jetstream } from "@nats-io/jetstream";
import { connect, headers, type MsgHdrs } from "@nats-io/transport-node";
import { CONTROL_SUBJECT_PREFIX, messageId, metricsSubject } from "../../controller/src/api/metrics.ts";
import { SIGNATURE_HEADER, signReport } from "../../controller/src/api/report-signature.ts";
import { VICTIM_STEP, reportBody } from "./job.ts";
import { NAMESPACE, TrainersConfig, TrainersRequest, type TrainersResult } from "./protocol.ts";

const config = TrainersConfig.parse(JSON.parse(process.argv[2] ?? "{}"));
const send = (m: unknown): void => void process.send?.(m);
const nc = await connect({ servers: config.url, name: "bench-trainers" });
const js = jetstream(nc);
const now = (): number => performance.now();

interface Sim {
  trial: string;
  subject: string;
  step: number;
  /** A JetStream publish of this trial awaits its ack (the SDK publishes one report at a time). */
  busy: boolean;
  /** The trial's report key, when the controller verifies senders. */
  key?: string;
}
const sims = (a: { job: string; trial: string; key?: string | undefined }): Sim => ({ trial: a.trial, subject: metricsSubject(NAMESPACE, a.job, a.trial), step: 0, busy: false, ...(a.key !== undefined ? { key: a.key } : {}) });
const load = config.load.map(sims);
const result: TrainersResult = { type: "done", published: 0, behind: 0, errors: 0, stopLatenciesMs: [], missedStops: 0, unexpectedStops: 0 };

/** Publishes one report; resolves when it is stored (JetStream) or handed to the connection (core). */
const publish = async (s: Sim, step: number, bad = false): Promise<void> => {
  const body = reportBody(s.trial, step, bad);
  // Signed as the SDK signs, when the trial has a key.
  let h: MsgHdrs | undefined;
  if (s.key !== undefined) {
    h = headers();
    h.set(SIGNATURE_HEADER, signReport(s.key, s.subject, body));
  }
  if (config.transport === "core") return nc.publish(s.subject, body, h ? { headers: h } : {});
  await js.publish(s.subject, body, { msgID: messageId(NAMESPACE, s.trial, step), ...(h ? { headers: h } : {}) });
};

// Victims: when the bad report went out, and the stop that answers it. Stops for other processes' trials are ignored.
const pending = new Map<string, { sentAt?: number; stopped: () => void }>();
const loadTrials = new Set(load.map((s) => s.trial));
nc.subscribe(`${CONTROL_SUBJECT_PREFIX}.${NAMESPACE}.>`, {
  callback: (_err, m) => {
    const trial = m.subject.split(".").at(-1) ?? "";
    const p = pending.get(trial);
    if (loadTrials.has(trial) || (p && p.sentAt === undefined)) return void result.unexpectedStops++;
    if (!p || p.sentAt === undefined) return;
    result.stopLatenciesMs.push(now() - p.sentAt);
    pending.delete(trial);
    p.stopped();
  },
});

/** A victim reports steps 1…VICTIM_STEP−1 like everyone, then a bad value at VICTIM_STEP, and waits (≤ 5 s) for its stop. */
const runVictim = async (s: Sim): Promise<void> => {
  const stopped = new Promise<void>((resolve) => pending.set(s.trial, { stopped: resolve }));
  for (let step = 1; step < VICTIM_STEP; step++) await publish(s, step);
  const p = pending.get(s.trial);
  if (p) p.sentAt = now();
  await publish(s, VICTIM_STEP, true);
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000).unref());
  if (!(await Promise.race([stopped.then(() => true), timeout]))) {
    result.missedStops++;
    pending.delete(s.trial);
  }
};

/** Sends the next report of the next trial that is free, round robin; false when every trial still waits for an ack. */
let next = 0;
const sendOne = (): boolean => {
  for (let tries = 0; tries < load.length; tries++) {
    const s = load[next] as Sim;
    next = (next + 1) % load.length;
    if (s.busy) continue;
    s.step++;
    s.busy = true;
    publish(s, s.step).then(
      () => {
        s.busy = false;
        result.published++;
      },
      () => {
        s.busy = false;
        result.errors++;
      },
    );
    return true;
  }
  return false;
};

/** Live: the load at a steady rate (checked every millisecond), victims at their times. */
const live = async (): Promise<void> => {
  const started = now();
  const victims = config.victims.map((v) => new Promise<void>((resolve) => setTimeout(() => void runVictim(sims(v)).then(resolve), v.atMs)));
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = now() - started;
      if (elapsed >= config.durationMs) {
        clearInterval(tick);
        return resolve();
      }
      const due = Math.floor((config.rate * elapsed) / 1000) - sent;
      for (let i = 0; i < due; i++) {
        if (!sendOne()) {
          result.behind += due - i;
          break;
        }
      }
      sent += due;
    }, 1);
  });
  await Promise.all(victims);
  await nc.flush();
};

/** Backlog: `count` reports as fast as the trials' one-at-a-time publishing allows. */
const backlog = async (): Promise<void> => {
  let sent = 0;
  while (sent < config.count) {
    if (sendOne()) sent++;
    // Every trial waits for an ack (or the core connection's buffer should drain): let I/O run.
    if (!load.some((s) => !s.busy) || sent % 1000 === 0) await new Promise((r) => setImmediate(r));
  }
  while (load.some((s) => s.busy)) await new Promise((r) => setTimeout(r, 5));
  await nc.flush();
};

process.on("message", (raw) => {
  TrainersRequest.parse(raw);
  void (config.mode === "live" ? live() : backlog()).then(async () => {
    send(result);
    await nc.drain();
    process.exit(0);
  });
});
send({ type: "connected" });
