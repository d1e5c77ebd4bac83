// A Pod as the process kubelet runs it: its containers' states, processes and timers, and the
// native-sidecar steps that do not need the API (creating the record, stopping sidecars at the end).
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { sidecarsOf } from './launch.ts';
import type { RunningProcess } from './process.ts';
import type { ContainerRun, RestartPolicy } from './status.ts';

export type PodRun = {
  uid: string;
  namespace: string;
  name: string;
  pod: V1Pod;
  policy: RestartPolicy;
  containers: ContainerRun[];
  /** Native sidecars (init containers with restartPolicy Always): started first, stopped after the containers. */
  sidecars: ContainerRun[];
  procs: Map<string, RunningProcess>;
  timers: Map<string, NodeJS.Timeout>;
  /** Failed attempts to prepare each container (bad env reference, unmapped image), for back-off. */
  configRetries: Map<string, number>;
  startTime: Date;
  deleting: boolean;
  /** Finished before this kubelet started: its recorded status is final and never re-posted. */
  frozen: boolean;
  lastStatus: string;
  /** An infrastructure failure a test asked this kubelet to fake (simulate.ts). */
  simulated?: { kind: 'oom' | 'evict'; container?: string };
};

/** The kubelet's record of a Pod it runs, from the Pod (restart counts carried over from its status). */
export function newPodRun(pod: V1Pod): PodRun {
  const prev = new Map([...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => [s.name, s]));
  const fresh = (c: V1Container): ContainerRun => ({
    name: c.name, image: c.image ?? '', restartCount: prev.get(c.name)?.restartCount ?? 0,
    state: { kind: 'waiting', reason: 'ContainerCreating' },
  });
  let sidecars: V1Container[] = [];
  try {
    sidecars = sidecarsOf(pod);
  } catch {
    // A plain init container: the Pod's containers wait with the reason (prepareLaunch says it).
  }
  return {
    uid: pod.metadata?.uid ?? '', namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '',
    pod, policy: (pod.spec?.restartPolicy ?? 'Always') as RestartPolicy,
    containers: (pod.spec?.containers ?? []).map(fresh),
    sidecars: sidecars.map(fresh),
    procs: new Map(), timers: new Map(), configRetries: new Map(),
    startTime: pod.status?.startTime ? new Date(pod.status.startTime) : new Date(),
    deleting: false, frozen: false, lastStatus: '',
  };
}

// As the kubelet does once the regular containers have ended: SIGTERM to each sidecar, with the Pod's grace.
export function stopSidecars(run: PodRun, log: (msg: string) => void): void {
  const graceMs = 1000 * (run.pod.spec?.terminationGracePeriodSeconds ?? 30);
  for (const s of run.sidecars) {
    const timer = run.timers.get(s.name);
    if (timer !== undefined && s.state.kind === 'waiting') {
      clearTimeout(timer);
      run.timers.delete(s.name);
      s.state = { kind: 'terminated', exitCode: 0, reason: 'Completed', startedAt: run.startTime, finishedAt: new Date() };
    }
    const proc = run.procs.get(s.name);
    if (proc !== undefined) {
      log(`stopping sidecar ${run.namespace}/${run.name}/${s.name} (grace ${graceMs}ms)`);
      void proc.stop(graceMs);
    }
  }
}
