// Pure Pod-status logic: container state transitions, restart decisions and the Pod status that
// the real kubelet would report for them. No I/O; the shell in kubelet.ts feeds it events.
import type { V1ContainerState, V1ContainerStatus, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export type Terminated = {
  exitCode: number;
  signal?: number;
  reason: string;
  message?: string;
  startedAt: Date;
  finishedAt: Date;
};

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: Date; pid: number }
  | ({ kind: 'terminated' } & Terminated);

export type ContainerRun = {
  name: string;
  image: string;
  restartCount: number;
  state: ContainerState;
  lastTerminated?: Terminated;
};

/** True when a container that exited with `exitCode` must be started again under `policy`. */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** True when every container has terminated (and will not restart). */
export function allTerminated(containers: readonly ContainerRun[]): boolean {
  return containers.every((c) => c.state.kind === 'terminated');
}

/**
 * Whether a container that exited is started again: a regular one per the Pod's policy; a sidecar
 * (restartPolicy Always) as long as a regular container may still run, never after.
 */
export function restartsAfterExit(pod: { policy: RestartPolicy; containers: readonly ContainerRun[]; sidecars: readonly ContainerRun[] }, c: ContainerRun, exitCode: number): boolean {
  return pod.sidecars.includes(c) ? !allTerminated(pod.containers) : shouldRestart(pod.policy, exitCode);
}

/** Crash-loop delay before restart number `restartCount + 1`: base·2^n, capped (the kubelet uses 10 s and 300 s). */
export function backoffMs(restartCount: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(restartCount, 30));
}

/** The exit code a container runtime reports: the process's code, or 128+signal when a signal killed it. */
export function exitCodeOf(code: number | null, signal: number | null): number {
  if (code !== null) return code;
  return 128 + (signal ?? 0);
}

/** The container's state after its process ended; a non-zero exit is an Error, as in the kubelet. */
export function terminatedState(startedAt: Date, finishedAt: Date, code: number | null, signal: number | null): Terminated {
  const exitCode = exitCodeOf(code, signal);
  return {
    exitCode,
    ...(signal === null ? {} : { signal }),
    reason: exitCode === 0 ? 'Completed' : 'Error',
    startedAt,
    finishedAt,
  };
}

/**
 * The Pod phase for its containers' states, following the API's definition: Pending until every
 * container has started once; Succeeded/Failed once all have terminated and none will restart, by
 * the regular containers' exit codes.
 */
export function podPhase(containers: readonly ContainerRun[], sidecars: readonly ContainerRun[] = []): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  const neverStarted = (c: ContainerRun) => c.state.kind === 'waiting' && c.restartCount === 0 && c.lastTerminated === undefined;
  if (containers.length === 0 || containers.some(neverStarted)) return 'Pending';
  // Sidecars do not decide the outcome, but the Pod is terminal only once they have stopped too (as
  // the kubelet since 1.27): a collector's last reports are sent before its Pod reads as finished.
  if (containers.some((c) => c.state.kind !== 'terminated') || sidecars.some((c) => c.state.kind !== 'terminated')) return 'Running';
  return containers.every((c) => c.state.kind === 'terminated' && c.state.exitCode === 0) ? 'Succeeded' : 'Failed';
}

function apiTerminated(t: Terminated, containerID?: string): V1ContainerState {
  return {
    terminated: {
      exitCode: t.exitCode,
      ...(t.signal === undefined ? {} : { signal: t.signal }),
      reason: t.reason,
      ...(t.message === undefined ? {} : { message: t.message }),
      startedAt: t.startedAt,
      finishedAt: t.finishedAt,
      ...(containerID === undefined ? {} : { containerID }),
    },
  };
}

function apiContainerStatus(c: ContainerRun, podUid: string): V1ContainerStatus {
  const containerID = `process://${podUid}/${c.name}/${c.restartCount}`;
  const s = c.state;
  const state: V1ContainerState = s.kind === 'waiting'
    ? { waiting: { reason: s.reason, ...(s.message === undefined ? {} : { message: s.message }) } }
    : s.kind === 'running'
      ? { running: { startedAt: s.startedAt } }
      : apiTerminated(s, containerID);
  return {
    name: c.name,
    image: c.image,
    imageID: `process-kubelet://${c.image}`,
    ...(s.kind === 'waiting' ? {} : { containerID }),
    ready: s.kind === 'running',
    started: s.kind === 'running',
    restartCount: c.restartCount,
    state,
    lastState: c.lastTerminated ? apiTerminated(c.lastTerminated) : {},
  };
}

/** A condition, keeping the previous lastTransitionTime when its status did not change. */
function condition(type: string, ok: boolean, now: Date, previous: readonly V1PodCondition[], reason?: string): V1PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = previous.find((c) => c.type === type);
  const lastTransitionTime = prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  return { type, status, lastTransitionTime, ...(reason === undefined ? {} : { reason }) };
}

export type PodStatusInput = {
  podUid: string;
  containers: readonly ContainerRun[];
  /** Init containers with restartPolicy Always (native sidecars), started before the containers. */
  sidecars?: readonly ContainerRun[];
  startTime: Date;
  now: Date;
  previousConditions: readonly V1PodCondition[];
  /** Evicted by this kubelet (node pressure): the Pod fails with reason Evicted and a DisruptionTarget condition, whatever its containers say. */
  evicted?: { message: string };
};

/** The full status the kubelet owns for a Pod (PodScheduled is the binder's and is kept as it was). */
export function podStatus(input: PodStatusInput): V1PodStatus {
  const { containers, now, previousConditions } = input;
  const sidecars = input.sidecars ?? [];
  const evicted = input.evicted;
  const phase = evicted ? 'Failed' : podPhase(containers, sidecars);
  const allRunning = containers.length > 0 && containers.every((c) => c.state.kind === 'running');
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const notReady = terminal ? 'PodCompleted' : allRunning ? undefined : 'ContainersNotReady';
  const scheduled = previousConditions.find((c) => c.type === 'PodScheduled');
  return {
    phase,
    ...(evicted ? { reason: 'Evicted', message: evicted.message } : {}),
    conditions: [
      ...(evicted ? [{ ...condition('DisruptionTarget', true, now, previousConditions, 'TerminationByKubelet'), message: evicted.message }] : []),
      condition('PodReadyToStartContainers', !terminal, now, previousConditions),
      condition('Initialized', true, now, previousConditions),
      condition('Ready', allRunning, now, previousConditions, notReady),
      condition('ContainersReady', allRunning, now, previousConditions, notReady),
      ...(scheduled ? [scheduled] : []),
    ],
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    podIP: '127.0.0.1',
    podIPs: [{ ip: '127.0.0.1' }],
    startTime: input.startTime,
    containerStatuses: containers.map((c) => apiContainerStatus(c, input.podUid)),
    ...(sidecars.length > 0 ? { initContainerStatuses: sidecars.map((c) => apiContainerStatus(c, input.podUid)) } : {}),
  };
}
