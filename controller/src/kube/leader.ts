import { CoordinationV1Api, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { errorText, sampled, type Logger } from "../telemetry/log.ts";
import { answered, type Reachability } from "../telemetry/reachability.ts";
import { apiError } from "./api.ts";

/** Lease timing, in milliseconds. */
export interface LeaseTiming {
  /** How long a lease holds without renewal. */
  durationMs: number;
  /** How often the leader renews. */
  renewMs: number;
  /** How often a candidate tries to acquire. */
  retryMs: number;
}

/** Whether `identity` may take the lease now: free, expired, released, or already its own. */
export function canAcquire(lease: V1Lease["spec"] | undefined, identity: string, nowMs: number): boolean {
  const holder = lease?.holderIdentity;
  if (!holder || holder === identity) return true;
  const renewed = lease?.renewTime ? new Date(lease.renewTime as unknown as string | Date).getTime() : 0;
  const duration = (lease?.leaseDurationSeconds ?? 0) * 1000;
  return renewed + duration < nowMs;
}

/**
 * A Lease time as the API server wants it (RFC 3339 with microseconds); client-node would send a
 * Date with milliseconds, which the API server refuses, and passes strings through unchanged.
 */
export function microTime(d: Date): Date {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z") as unknown as Date;
}

/**
 * `p`, or a rejection after `ms` saying what did not answer: an API server that accepts connections
 * but never answers must count as unreachable (for /healthz and the lease), not hang the election.
 */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** A running election. */
export interface Election {
  isLeader(): boolean;
  /** Stops campaigning and releases the lease if held, so another replica takes over at once. */
  stop(): Promise<void>;
}

/**
 * Campaigns for a coordination.k8s.io Lease; calls `onLead` when it is won and `onLose` when it is
 * lost (renewal failed past the lease duration, or someone else holds it).
 */
export function startElection(o: { kc: KubeConfig; namespace: string; name: string; identity: string; timing: LeaseTiming; log: Logger; onLead(): void; onLose(): void; reachability?: Reachability }): Election {
  const api = o.kc.makeApiClient(CoordinationV1Api);
  const { namespace, name, identity, timing, log } = o;
  const server = o.kc.getCurrentCluster()?.server ?? "";
  // Retried every few seconds while the API server is away: the first lines, then a count.
  const failures = sampled(log, { keys: ["code", "error"] });
  let leader = false;
  let lastRenew = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pending: Promise<void> = Promise.resolve();

  const spec = (acquire: boolean, prev?: V1Lease["spec"]): V1Lease["spec"] => ({
    holderIdentity: identity,
    leaseDurationSeconds: Math.ceil(timing.durationMs / 1000),
    acquireTime: microTime(acquire || !prev?.acquireTime ? new Date() : new Date(prev.acquireTime as unknown as string)),
    renewTime: microTime(new Date()),
    leaseTransitions: (prev?.leaseTransitions ?? 0) + (acquire && prev?.holderIdentity && prev.holderIdentity !== identity ? 1 : 0),
  });

  const attempt = async (): Promise<boolean> => {
    let lease: V1Lease | undefined;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (e) {
      if (apiError(e).code !== 404) throw e;
    }
    if (!lease) {
      await api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: spec(true) } });
      return true;
    }
    if (!canAcquire(lease.spec, identity, Date.now())) return false;
    const acquire = lease.spec?.holderIdentity !== identity;
    // replace carries resourceVersion, so two candidates racing for an expired lease cannot both win.
    await api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: spec(acquire, lease.spec) } });
    return true;
  };

  const tick = async (): Promise<void> => {
    if (stopped) return;
    try {
      const held = await withDeadline(attempt(), timing.durationMs, `lease ${namespace}/${name}`);
      o.reachability?.reached();
      if (held) lastRenew = Date.now();
      if (held && !leader) {
        leader = true;
        log.info("became the leader", { lease: `${namespace}/${name}`, identity });
        o.onLead();
      } else if (!held && leader) {
        leader = false;
        log.warn("lost the lease to another replica", { lease: `${namespace}/${name}`, identity });
        o.onLose();
      }
    } catch (e) {
      const err = apiError(e);
      // A standby's only API calls are these: they tell /healthz whether the API server answers.
      if (answered(err.code)) o.reachability?.reached();
      else o.reachability?.missed(`lease ${namespace}/${name}: ${err.code > 0 ? `HTTP ${err.code}` : err.message}`);
      failures.warn("lease update failed", { lease: `${namespace}/${name}`, server, code: err.code, error: err.code === 409 ? "conflict" : err.message });
      if (leader && Date.now() - lastRenew > timing.durationMs) {
        leader = false;
        log.warn("could not renew the lease in time; standing down", { lease: `${namespace}/${name}` });
        o.onLose();
      }
    }
    // A candidate's retries are jittered (up to +20 %), so standbys that start together do not ask in lockstep.
    if (!stopped) timer = setTimeout(() => void (pending = tick()), leader ? timing.renewMs : timing.retryMs * (1 + 0.2 * Math.random()));
  };
  pending = tick();

  return {
    isLeader: () => leader,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await pending;
      if (!leader) return;
      leader = false;
      try {
        const lease = await api.readNamespacedLease({ name, namespace });
        if (lease.spec?.holderIdentity === identity) {
          await api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: { ...spec(false, lease.spec), holderIdentity: "", leaseDurationSeconds: 1 } } });
          log.info("released the lease", { lease: `${namespace}/${name}` });
        }
      } catch (e) {
        log.warn("releasing the lease failed; the next leader waits for it to expire", { error: errorText(e) });
      }
    },
  };
}
