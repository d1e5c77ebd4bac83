// The built-in `synthetic` container: instead of spawning a trainer process, the kubelet itself
// publishes a few metric reports for the trial (same subject, body and message id as the SDK) and
// then exits 0. One Node process per trial is far too heavy for benchmarks with thousands of trials.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import {
  controlSubject, decodeControlMessage, encodeMetricMessage, messageId, metricsSubject, type MetricMessage,
} from '../../../controller/src/api/metrics.ts';
import type { Exit, RunningProcess } from './process.ts';

/** What the container's args may set: `--steps=N`, `--interval-ms=N`, `--exit-code=N`. */
export type SyntheticOptions = { steps: number; intervalMs: number; exitCode: number };

const Options = z.strictObject({
  steps: z.coerce.number().int().min(1).max(10_000).default(3),
  'interval-ms': z.coerce.number().int().min(0).max(3_600_000).default(100),
  'exit-code': z.coerce.number().int().min(0).max(255).default(0),
});

/** Parses the container's args; throws naming the bad flag (the container then waits with the message). */
export function parseSyntheticArgs(args: readonly string[]): SyntheticOptions {
  const flags: Record<string, string> = {};
  for (const a of args) {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`synthetic container: argument ${JSON.stringify(a)} is not --name=value (known: --steps, --interval-ms, --exit-code)`);
    flags[m[1] as string] = m[2] as string;
  }
  const r = Options.safeParse(flags);
  if (!r.success) throw new Error(`synthetic container: ${z.prettifyError(r.error).replaceAll('\n', '; ')}`);
  return { steps: r.data.steps, intervalMs: r.data['interval-ms'], exitCode: r.data['exit-code'] };
}

/** The trial a synthetic container reports for, from its KUBETUNE_* environment. */
export type SyntheticTrial = { natsUrl: string; namespace: string; job: string; trial: string; objective: string; params: string };

const TrialEnv = z.object({
  KUBETUNE_NATS_URL: z.string().min(1),
  KUBETUNE_NAMESPACE: z.string().min(1),
  KUBETUNE_JOB: z.string().min(1),
  KUBETUNE_TRIAL: z.string().min(1),
  KUBETUNE_OBJECTIVE: z.string().min(1),
  KUBETUNE_PARAMS: z.string().default('{}'),
});

/** Reads the trial's identity from the container environment; throws when a KUBETUNE_* variable is missing. */
export function syntheticTrial(env: ReadonlyMap<string, string>): SyntheticTrial {
  const r = TrialEnv.safeParse(Object.fromEntries(env));
  if (!r.success) throw new Error(`synthetic container: needs the KUBETUNE_* environment of a trial Pod: ${z.prettifyError(r.error).replaceAll('\n', '; ')}`);
  const e = r.data;
  return { natsUrl: e.KUBETUNE_NATS_URL, namespace: e.KUBETUNE_NAMESPACE, job: e.KUBETUNE_JOB, trial: e.KUBETUNE_TRIAL, objective: e.KUBETUNE_OBJECTIVE, params: e.KUBETUNE_PARAMS };
}

/** A value in [0, 1) fixed by the parameters (FNV-1a of their JSON), so reruns report the same curve. */
export function paramsHash(params: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < params.length; i++) h = Math.imul(h ^ params.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

/** The reports of a synthetic trial: steps 0..n−1 of a decreasing curve, the last one marked final. */
export function syntheticReports(t: SyntheticTrial, steps: number): MetricMessage[] {
  const floor = paramsHash(t.params);
  return Array.from({ length: steps }, (_, step) => ({
    trial: t.trial,
    step,
    metrics: { [t.objective]: floor + 1 / (step + 1) },
    ...(step === steps - 1 ? { final: true as const } : {}),
  }));
}

/** The messaging a synthetic container needs; the kubelet shares one NATS connection among all of them. */
export interface SyntheticBus {
  /** Publishes to JetStream with a message id (dropped as a duplicate if stored already); rejects on failure. */
  publish(url: string, subject: string, body: string, msgId: string): Promise<void>;
  /** Calls `onMessage` for each message on `subject`; returns the unsubscribe function. */
  subscribe(url: string, subject: string, onMessage: (data: Uint8Array) => void): Promise<() => void>;
}

/**
 * Runs a synthetic container: publishes its reports `intervalMs` apart and exits with `exitCode`.
 * A stop request (control subject or `stop()`, i.e. SIGTERM) ends it after the current step with
 * exit 0, as the SDK does; a publish that fails exits 1 with the error in the log.
 */
export function startSynthetic(spec: { trial: SyntheticTrial; options: SyntheticOptions; bus: SyntheticBus; logFile: string }): RunningProcess {
  const { trial: t, options: o, bus } = spec;
  let stopped = false;
  // A stop cuts the wait between reports short, so deleting a Pod never waits out a long interval.
  let wake = (): void => {};
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const requestStop = (): void => {
    stopped = true;
    wake();
  };
  const log = async (line: string): Promise<void> => {
    await mkdir(dirname(spec.logFile), { recursive: true });
    await appendFile(spec.logFile, `${line}\n`);
  };
  const run = async (): Promise<Exit> => {
    let unsubscribe = (): void => {};
    try {
      unsubscribe = await bus.subscribe(t.natsUrl, controlSubject(t.namespace, t.job, t.trial), (data) => {
        if (decodeControlMessage(data).ok) requestStop();
      });
      const subject = metricsSubject(t.namespace, t.job, t.trial);
      for (const m of syntheticReports(t, o.steps)) {
        if (o.intervalMs > 0 && !stopped) await pause(o.intervalMs);
        if (stopped) {
          await log('stop requested: exiting');
          return { code: 0, signal: null };
        }
        await bus.publish(t.natsUrl, subject, encodeMetricMessage(m), messageId(t.namespace, t.trial, m.step, m.final === true));
      }
      await log(`published ${o.steps} synthetic reports of ${t.objective}; exit ${o.exitCode}`);
      return { code: o.exitCode, signal: null };
    } catch (err) {
      await log(`synthetic container failed: ${(err as Error).message}`).catch(() => undefined);
      return { code: 1, signal: null };
    } finally {
      unsubscribe();
    }
  };
  const exited = run();
  return {
    // It runs inside the kubelet, so it has no process of its own; the kubelet's pid stands for it.
    pid: process.pid,
    exited,
    stop: () => {
      requestStop();
      return exited;
    },
  };
}
