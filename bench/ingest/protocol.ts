// Messages between bench:ingest's processes (IPC), checked with zod on arrival.
import { z } from "zod";

/** How metric reports travel: JetStream (stored, acked, durable consumer) or plain core NATS. */
export const Transport = z.enum(["jetstream", "core"]);
export type Transport = z.infer<typeof Transport>;

/** Whether the controller verifies each report's signature (the trainers then sign). */
export const Verify = z.enum(["off", "on"]);
export type Verify = z.infer<typeof Verify>;

/** The namespace every simulated job lives in. */
export const NAMESPACE = "bench";

/** A trial: its job, its name and, when the controller verifies senders, its report key. */
const Address = z.object({ job: z.string(), trial: z.string(), key: z.string().optional() });

/** Sent by the controller process once its jobs are loaded and their trials run. */
export const ControllerReady = z.object({ type: z.literal("ready"), trials: z.array(Address) });

/** Sent by the controller process once it reads reports. */
export const ControllerStarted = z.object({ type: z.literal("started") });

/** The controller process's counters at one moment. */
export const ControllerSample = z.object({
  type: z.literal("sample"),
  /** Reports accepted (kubetune_metric_messages_total{result="accepted"}). */
  accepted: z.number(),
  /** Messages rejected, any reason. */
  rejected: z.number(),
  /** Stop requests published. */
  stops: z.number(),
  /** Process CPU time (user + system), µs. */
  cpuUs: z.number(),
  /** Wall clock, ms (performance.timeOrigin + performance.now()). */
  atMs: z.number(),
  trialPatches: z.number(),
  /** 99th percentile of the controller's event-loop delay since the previous sample, ms: how long a report could wait on the controller itself. */
  loopDelayP99Ms: z.number(),
});
export type ControllerSample = z.infer<typeof ControllerSample>;

/** Requests from the bench to the controller process. */
export const ControllerRequest = z.discriminatedUnion("type", [z.object({ type: z.literal("start") }), z.object({ type: z.literal("sample") }), z.object({ type: z.literal("stop") })]);
export type ControllerRequest = z.infer<typeof ControllerRequest>;

/** What one trainers process does: publish load at a rate (live) or a fixed number of reports as fast as it can (backlog). */
export const TrainersConfig = z.object({
  url: z.string(),
  transport: Transport,
  mode: z.enum(["live", "backlog"]),
  /** Reports per second of the load trials together (live). */
  rate: z.number().positive(),
  /** Reports to publish in all (backlog). */
  count: z.number().int().nonnegative(),
  load: z.array(Address),
  /** Trials that report a bad value at ASHA's second rung, each starting `atMs` after the start. */
  victims: z.array(Address.extend({ atMs: z.number() })),
  /** How long to publish load (live), ms. */
  durationMs: z.number(),
});
export type TrainersConfig = z.infer<typeof TrainersConfig>;

/** Sent by a trainers process when it is done. */
export const TrainersResult = z.object({
  type: z.literal("done"),
  /** Load reports published (JetStream: acknowledged by the stream). */
  published: z.number(),
  /** Load reports that could not be sent on time because every trial still waited for its previous ack. */
  behind: z.number(),
  errors: z.number(),
  /** Publish-to-stop-receipt latencies of the victims, ms. */
  stopLatenciesMs: z.array(z.number()),
  /** Victims whose stop never came. */
  missedStops: z.number(),
  /** Stop requests for load trials, which should never be stopped. */
  unexpectedStops: z.number(),
});
export type TrainersResult = z.infer<typeof TrainersResult>;

/** Messages from a trainers process: connected, or finished with its results. */
export const TrainersMessage = z.discriminatedUnion("type", [z.object({ type: z.literal("connected") }), TrainersResult]);

/** Requests to a trainers process: begin now. */
export const TrainersRequest = z.object({ type: z.literal("go") });
