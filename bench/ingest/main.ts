// npm run bench:ingest — metric ingestion throughput and early-stop latency of the controller.
// Many simulated trainers (bench/ingest/trainers.ts, separate processes) publish reports to a real
// nats-server; the controller side (bench/ingest/controller.ts: the real ingest, reconciler, tuner and
// ASHA on an in-memory cluster) runs in its own process pinned to one core. For JetStream and for core
// NATS it measures accepted reports/s and CPU per report at a steady offered rate, and the time from a
// report that must stop its trial to the stop request; for JetStream also how fast a backlog drains.
// `--verify=off,on` (the default) runs everything with sender verification off and on (trainers sign
// as the SDK does) and prints the two side by side.
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { z } from "zod";
import { ensureMetricsStream } from "../../controller/src/ingest/stream.ts";
import { startNatsServer, type NatsServer } from "../../test/nats-server.ts";
import { ControllerReady, ControllerSample, ControllerStarted, TrainersMessage, Transport, Verify, type TrainersConfig, type TrainersResult } from "./protocol.ts";
import { drainWindow, num, quantile, table, windowOf, type Window } from "./stats.ts";

const { values: flags } = parseArgs({
  options: {
    rate: { type: "string", default: "20000" },
    jobs: { type: "string", default: "10" },
    trials: { type: "string", default: "100" },
    victims: { type: "string", default: "50" },
    publishers: { type: "string" },
    "latency-rate": { type: "string", default: "3000" },
    warmup: { type: "string", default: "3" },
    seconds: { type: "string", default: "10" },
    backlog: { type: "string", default: "200000" },
    transports: { type: "string", default: "jetstream,core" },
    profile: { type: "string" },
    "no-pin": { type: "boolean", default: false },
    verify: { type: "string", default: "off,on" },
  },
});
const rate = Number(flags.rate);
const jobs = Number(flags.jobs);
const trialsPerJob = Number(flags.trials);
const victimsPerJob = Math.min(trialsPerJob - 1, Number(flags.victims));
// The trainers share the cores other than the controller's with nats-server; more processes than those
// cores only make them take turns (and delay the server's deliveries).
const publishers = flags.publishers ? Number(flags.publishers) : Math.max(1, availableParallelism() - 2);
const latencyRate = Number(flags["latency-rate"]);
const warmupMs = Number(flags.warmup) * 1000;
const measureMs = Number(flags.seconds) * 1000;
const backlogCount = Number(flags.backlog);
const transports = (flags.transports ?? "").split(",").map((t) => Transport.parse(t));
const verifies = (flags.verify ?? "").split(",").map((v) => Verify.parse(v));
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const progress = (s: string) => process.stderr.write(`bench:ingest: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The controller gets the last core to itself; everything else (this process, nats-server, trainers) stays off it.
const cores = availableParallelism();
const controllerCore = cores - 1;
const pin = !flags["no-pin"] && cores >= 2;
/** Pins every thread of `pid`; retried, as `taskset -a` fails when one of the threads exits meanwhile. */
const taskset = (cpus: string, pid: number): void => {
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync("taskset", ["-a", "-cp", cpus, String(pid)], { stdio: "ignore" });
      return;
    } catch (e) {
      if (attempt >= 5) throw e;
    }
  }
};
if (pin) taskset(cores === 2 ? "0" : `0-${cores - 2}`, process.pid);

/** The next IPC message of a child that parses with `schema` (others are ignored). */
function next<T>(child: ChildProcess, schema: z.ZodType<T>, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${schema.description ?? "reply"} from pid ${child.pid} in ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: unknown) => {
      const r = schema.safeParse(m);
      if (r.success) done(undefined, r.data);
    };
    const onExit = (code: number | null) => done(new Error(`process ${child.pid} exited (${code}) early`));
    const done = (e?: Error, v?: T) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (e) reject(e);
      else resolve(v as T);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

interface Controller {
  child: ChildProcess;
  trials: { job: string; trial: string }[];
  sample(): Promise<ControllerSample>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function startController(server: NatsServer, transport: Transport, verify: Verify): Promise<Controller> {
  const execArgv = flags.profile ? ["--cpu-prof", `--cpu-prof-dir=${flags.profile}`, `--cpu-prof-name=controller-${transport}-verify-${verify}-${Date.now()}.cpuprofile`] : [];
  const child = fork(here("./controller.ts"), [server.url, transport, String(jobs), String(trialsPerJob), verify], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  if (pin && child.pid !== undefined) taskset(String(controllerCore), child.pid);
  const ready = await next(child, ControllerReady);
  return {
    child,
    trials: ready.trials,
    sample: () => {
      const reply = next(child, ControllerSample);
      child.send({ type: "sample" });
      return reply;
    },
    start: async () => {
      const started = next(child, ControllerStarted);
      child.send({ type: "start" });
      await started;
    },
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.send({ type: "stop" });
      await exited;
    },
  };
}

/** Starts the trainers processes, each with its share of the trials, and lets them go at once. */
async function runTrainers(configs: TrainersConfig[]): Promise<TrainersResult[]> {
  const children = configs.map((c) => fork(here("./trainers.ts"), [JSON.stringify(c)], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  await Promise.all(children.map((c) => next(c, TrainersMessage)));
  const results = children.map((c) => next(c, TrainersMessage, 600_000));
  for (const c of children) c.send({ type: "go" });
  return (await Promise.all(results)).map((r) => {
    if (r.type !== "done") throw new Error("a trainers process answered out of turn");
    return r;
  });
}

/** Waits until the controller accepted `total` reports (or stopped making progress); returns its samples. */
async function drain(c: Controller, total: number, everyMs: number): Promise<ControllerSample[]> {
  const samples = [await c.sample()];
  let still = 0;
  while ((samples.at(-1)?.accepted ?? 0) < total && still < 5000 / everyMs) {
    await sleep(everyMs);
    const s = await c.sample();
    still = s.accepted === samples.at(-1)?.accepted ? still + 1 : 0;
    samples.push(s);
  }
  return samples;
}

interface LiveResult {
  transport: Transport;
  verify: Verify;
  offered: number;
  published: number;
  window: Window;
  stopLatenciesMs: number[];
  missedStops: number;
  unexpectedStops: number;
  behind: number;
  errors: number;
  lost: number;
}

/** Load at `rate` reports/s for warmup + measure seconds, victims spread over the measurement. */
async function live(transport: Transport, rate: number, verify: Verify): Promise<LiveResult> {
  const server = await startNatsServer();
  try {
    const c = await startController(server, transport, verify);
    await c.start();
    type Trial = (typeof c.trials)[number];
    const byJob = new Map<string, Trial[]>();
    for (const t of c.trials) byJob.set(t.job, [...(byJob.get(t.job) ?? []), t]);
    const load: Trial[] = [];
    const victims: Trial[] = [];
    for (const ts of byJob.values()) {
      load.push(...ts.slice(0, ts.length - victimsPerJob));
      victims.push(...ts.slice(ts.length - victimsPerJob));
    }
    // Victims start evenly over the measurement window, jobs interleaved.
    victims.sort((a, b) => a.trial.localeCompare(b.trial));
    const spacing = (measureMs - 1000) / Math.max(1, victims.length);
    const timed = victims.map((v, i) => ({ ...v, atMs: warmupMs + i * spacing }));
    const configs: TrainersConfig[] = Array.from({ length: publishers }, (_, p) => ({
      url: server.url,
      transport,
      mode: "live",
      rate: rate / publishers,
      count: 0,
      load: load.filter((_, i) => i % publishers === p),
      victims: timed.filter((_, i) => i % publishers === p),
      durationMs: warmupMs + measureMs,
    }));
    progress(`${transport}, verification ${verify}: ${load.length} load trials at ${num(rate)} reports/s, ${victims.length} victims, ${publishers} trainers processes`);
    const results = runTrainers(configs);
    await sleep(warmupMs);
    const s0 = await c.sample();
    await sleep(measureMs);
    const s1 = await c.sample();
    const rs = await results;
    const published = rs.reduce((s, r) => s + r.published, 0);
    // Everything published should arrive; what never does (core NATS drops for slow consumers) is lost.
    const end = (await drain(c, published + victims.length * 3, 100)).at(-1) ?? s1;
    await c.stop();
    return {
      transport,
      verify,
      offered: rate,
      published: (published * 1000) / (warmupMs + measureMs),
      window: windowOf(s0, s1),
      stopLatenciesMs: rs.flatMap((r) => r.stopLatenciesMs),
      missedStops: rs.reduce((s, r) => s + r.missedStops, 0),
      unexpectedStops: rs.reduce((s, r) => s + r.unexpectedStops, 0),
      behind: rs.reduce((s, r) => s + r.behind, 0),
      errors: rs.reduce((s, r) => s + r.errors, 0),
      // Redelivered reports count as accepted twice, so this is a floor of 0.
      lost: Math.max(0, published + victims.length * 3 - end.accepted),
    };
  } finally {
    await server.stop();
    rmSync(server.store, { recursive: true, force: true });
  }
}

/** JetStream only: `backlogCount` reports stored first, then drained by the controller as fast as it can. */
async function backlog(verify: Verify): Promise<{ verify: Verify; window: Window; stored: number } | undefined> {
  const server = await startNatsServer();
  try {
    const c = await startController(server, "jetstream", verify);
    // The stream as the controller would create it, but no consumer reading yet.
    const nc = await connect({ servers: server.url });
    await ensureMetricsStream(await jetstreamManager(nc));
    await nc.close();
    const configs: TrainersConfig[] = Array.from({ length: publishers }, (_, p) => ({
      url: server.url,
      transport: "jetstream",
      mode: "backlog",
      rate: 1,
      count: Math.floor(backlogCount / publishers),
      load: c.trials.filter((_, i) => i % publishers === p),
      victims: [],
      durationMs: 0,
    }));
    progress(`jetstream backlog, verification ${verify}: storing ${num(backlogCount)} reports`);
    const rs = await runTrainers(configs);
    const stored = rs.reduce((s, r) => s + r.published, 0);
    progress("jetstream backlog: draining");
    await c.start();
    const samples = await drain(c, stored, 50);
    await c.stop();
    const w = drainWindow(samples, stored);
    return w ? { verify, window: windowOf(w[0], w[1]), stored } : undefined;
  } finally {
    await server.stop();
    rmSync(server.store, { recursive: true, force: true });
  }
}

const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown CPU";
const load0 = loadavg()[0] ?? 0;
const lives: LiveResult[] = [];
const drains: { verify: Verify; window: Window; stored: number }[] = [];
for (const v of verifies) {
  // --rate=0: the backlog drain alone.
  if (rate > 0) for (const t of transports) lives.push(await live(t, rate, v));
  // Below saturation: at the full rate the trainers keep nats-server's core busy, and its deliveries wait.
  if (transports.includes("jetstream") && latencyRate > 0 && latencyRate < rate) lives.push(await live("jetstream", latencyRate, v));
  const d = transports.includes("jetstream") && backlogCount > 0 ? await backlog(v) : undefined;
  if (d) drains.push(d);
}
const load1 = loadavg()[0] ?? 0;

const GOAL_RATE = 20_000;
const GOAL_P99 = 100;
// Issue 14's goals with sender verification on.
const GOAL_DRAIN_VERIFIED = 60_000;
const GOAL_P99_VERIFIED = 50;
const GOAL_RATE_VERIFIED = 20_000;
const p99 = (r: LiveResult | undefined): number => (r ? quantile(r.stopLatenciesMs, 0.99) : NaN);
const out: string[] = [];
out.push(
  `${jobs} jobs × ${trialsPerJob} running trials (ASHA), ${victimsPerJob * jobs} of them victims; offered ${num(rate)} reports/s${latencyRate > 0 && latencyRate < rate ? ` (and ${num(latencyRate)}/s over JetStream)` : ""} from ${publishers} trainers process${publishers === 1 ? "" : "es"}; ` +
    `${warmupMs / 1000} s warm-up, ${measureMs / 1000} s measured; sender verification ${verifies.join(" and ")}. ${cores} cores (${cpuModel}), node ${process.version}, ` +
    `controller ${pin ? `pinned to core ${controllerCore}` : "not pinned"}; load average ${load0.toFixed(1)} → ${load1.toFixed(1)}.`,
  "",
);
if (lives.length > 0) out.push(
  table(
    ["transport", "verify", "offered/s", "published/s", "accepted/s", "controller CPU", "µs CPU/report", "one-core capacity/s", "controller loop delay p99 ms", "stop p50 ms", "stop p99 ms", "stop max ms", "stops", "lost"],
    lives.map((r) => [
      r.transport,
      r.verify,
      num(r.offered),
      num(r.published),
      num(r.window.acceptedPerSecond),
      `${num(r.window.cpuShare * 100)}%`,
      num(r.window.cpuUsPerMessage, 1),
      num(1e6 / r.window.cpuUsPerMessage),
      num(r.window.loopDelayP99Ms, 1),
      num(quantile(r.stopLatenciesMs, 0.5), 1),
      num(p99(r), 1),
      num(Math.max(...r.stopLatenciesMs), 1),
      `${r.stopLatenciesMs.length}${r.missedStops ? ` (${r.missedStops} missed)` : ""}${r.unexpectedStops ? ` (${r.unexpectedStops} unexpected)` : ""}`,
      num(r.lost),
    ]),
  ),
);
for (const d of drains) {
  out.push(
    "",
    `JetStream backlog, verification ${d.verify}: ${num(d.stored)} stored reports drained at ${num(d.window.acceptedPerSecond)} accepted/s ` +
      `(${num(d.window.cpuUsPerMessage, 1)} µs CPU per report, ${num(d.window.cpuShare * 100)}% of a core; ${num(d.window.patchesPerMessage, 3)} Trial status patches per report).`,
  );
}
const liveOf = (transport: Transport, verify: Verify, offered: number): LiveResult | undefined => lives.find((r) => r.transport === transport && r.verify === verify && r.offered === offered);
if (transports.includes("jetstream")) {
  const below = latencyRate > 0 && latencyRate < rate;
  out.push(
    "",
    "Sender verification, side by side (JetStream):",
    table(
      ["verify", "backlog drained/s", "µs CPU/report (drain)", "µs CPU/report (live)", ...(below ? [`stop p99 ms @ ${num(latencyRate)}/s`] : []), `stop p99 ms @ ${num(rate)}/s`],
      // One row per run: --verify=off,on,off,on repeats each setting.
      verifies.map((v, i) => {
        const d = drains.filter((x) => x.verify === v)[verifies.slice(0, i).filter((x) => x === v).length];
        const js = liveOf("jetstream", v, rate);
        return [v, d ? num(d.window.acceptedPerSecond) : "-", d ? num(d.window.cpuUsPerMessage, 1) : "-", js ? num(js.window.cpuUsPerMessage, 1) : "-", ...(below ? [num(p99(liveOf("jetstream", v, latencyRate)), 1)] : []), num(p99(js), 1)];
      }),
    ),
  );
  const cost = (v: Verify): number => quantile(drains.filter((d) => d.verify === v).map((d) => d.window.cpuUsPerMessage), 0.5);
  if (drains.some((d) => d.verify === "on") && drains.some((d) => d.verify === "off")) {
    out.push(`Cost of verification: ${num(cost("on") - cost("off"), 1)} µs CPU per report while draining (${num(cost("on"), 1)} on, ${num(cost("off"), 1)} off${drains.length > 2 ? ", medians of the runs" : ""}).`);
  }
}
const core = lives.find((r) => r.transport === "core");
const jsSame = core ? liveOf("jetstream", core.verify, rate) : undefined;
if (jsSame && core) out.push("", `Cost of durability (verification ${core.verify}): JetStream takes ${num(jsSame.window.cpuUsPerMessage / core.window.cpuUsPerMessage, 2)}× the controller CPU per report of core NATS; stop p50 ${num(quantile(jsSame.stopLatenciesMs, 0.5), 1)} vs ${num(quantile(core.stopLatenciesMs, 0.5), 1)} ms.`);
for (const r of lives) if (r.behind > 0 || r.errors > 0) out.push(`${r.transport} (verification ${r.verify}): trainers fell behind the offered rate by ${num(r.behind)} reports (every trial waiting for its ack); ${num(r.errors)} publishes failed.`);
// The goals are judged on the strictest setting run: verification on when it ran.
const judged: Verify = verifies.includes("on") ? "on" : "off";
const js = liveOf("jetstream", judged, rate);
if (js) {
  const drained = drains.find((d) => d.verify === judged);
  // Per core: the CPU time a report costs the controller, so load from other processes on its core does not count against it.
  const capacity = 1e6 / (drained?.window.cpuUsPerMessage ?? js.window.cpuUsPerMessage);
  const below = liveOf("jetstream", judged, latencyRate);
  const latency = (r: LiveResult): string => {
    const ok = p99(r) < GOAL_P99 && r.missedStops === 0;
    return `${num(p99(r), 1)} ms at ${num(r.offered)} reports/s offered${r.missedStops > 0 ? ` (${r.missedStops} stops missed the 5 s wait)` : ""} — ${ok ? "met" : "missed"}`;
  };
  out.push(
    "",
    `Goals (JetStream, verification ${judged}): ≥ ${num(GOAL_RATE)} accepted reports/s on one core: ${num(capacity)}/s by CPU time${drained ? ` (backlog drain; ${num(drained.window.acceptedPerSecond)}/s wall-clock)` : ""} — ${capacity >= GOAL_RATE ? "met" : "missed"}; ` +
      `early-stop p99 < ${GOAL_P99} ms: ${[below !== js ? below : undefined, js].filter((r) => r !== undefined).map(latency).join("; ")}.`,
  );
  if (judged === "on") {
    const at = liveOf("jetstream", "on", GOAL_RATE_VERIFIED);
    const drainOk = (drained?.window.acceptedPerSecond ?? 0) >= GOAL_DRAIN_VERIFIED;
    const p99Ok = at !== undefined && p99(at) < GOAL_P99_VERIFIED && at.missedStops === 0;
    out.push(
      `Issue 14 goals with verification on: backlog drained ≥ ${num(GOAL_DRAIN_VERIFIED)} reports/s: ${drained ? num(drained.window.acceptedPerSecond) : "not run"} — ${drainOk ? "met" : "missed"}; ` +
        `stop p99 < ${GOAL_P99_VERIFIED} ms at ${num(GOAL_RATE_VERIFIED)}/s offered: ${at ? `${num(p99(at), 1)} ms — ${p99Ok ? "met" : "missed"}` : `not run (--rate=${num(GOAL_RATE_VERIFIED)} runs it)`}.`,
    );
  }
}
process.stdout.write(`${out.join("\n")}\n`);
