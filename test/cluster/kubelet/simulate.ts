// Test hook: infrastructure failures the process kubelet fakes the way a real kubelet reports them.
// A test sets the annotation `kubetune.test/simulate: oom|evict` on a running Pod:
//   oom   — the Pod's first running container is SIGKILLed and terminates with reason OOMKilled, exit code
//           137 (as a cgroup OOM kill reads); its restartPolicy then applies, as after any exit.
//   evict — node-pressure eviction: every container is killed at once (exit code 137), and the Pod turns
//           Failed with status.reason Evicted, the kubelet's message, and the condition DisruptionTarget
//           (reason TerminationByKubelet); it is never restarted.
import type { V1Pod } from '@kubernetes/client-node';
import type { PodRun } from './pod-run.ts';
import type { ContainerRun, Terminated } from './status.ts';

export const SIMULATE_ANNOTATION = 'kubetune.test/simulate';
export type Simulation = 'oom' | 'evict';

/** What the real kubelet writes on a Pod it evicted for memory pressure (status.message and the condition's message). */
export const EVICTION_MESSAGE = 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container trainer was using 2Gi, request is 0, has larger consumption of memory. ';

/** The failure a test asked for on this Pod, if any (unknown values are ignored). */
export function simulationOf(pod: V1Pod): Simulation | undefined {
  const v = pod.metadata?.annotations?.[SIMULATE_ANNOTATION];
  return v === 'oom' || v === 'evict' ? v : undefined;
}

/** The container an `oom` simulation kills: the first regular container that runs. */
export function oomTarget(run: PodRun): ContainerRun | undefined {
  return run.containers.find((c) => c.state.kind === 'running' && run.procs.has(c.name));
}

/** A container's end as the simulation makes the runtime report it. */
export function simulatedEnd(run: PodRun, c: ContainerRun, t: Terminated): Terminated {
  if (run.simulated?.kind === 'oom' && run.simulated.container === c.name) return { ...t, exitCode: 137, signal: 9, reason: 'OOMKilled' };
  if (run.simulated?.kind === 'evict') return { ...t, exitCode: 137, signal: 9, reason: 'Error' };
  return t;
}

/** Kills what the simulation kills (with no grace, as a hard eviction or the OOM killer does); the exits are recorded by the kubelet's exit handler. */
export function simulate(run: PodRun, kind: Simulation, log: (msg: string) => void): void {
  if (kind === 'oom') {
    const c = oomTarget(run);
    if (c === undefined) return;
    run.simulated = { kind, container: c.name };
    log(`simulating an OOM kill of ${run.namespace}/${run.name}/${c.name}`);
    void run.procs.get(c.name)?.stop(0);
    return;
  }
  run.simulated = { kind };
  log(`simulating the eviction of ${run.namespace}/${run.name}`);
  for (const t of run.timers.values()) clearTimeout(t);
  run.timers.clear();
  for (const c of [...run.containers, ...run.sidecars]) {
    const proc = run.procs.get(c.name);
    if (proc !== undefined) void proc.stop(0);
    else if (c.state.kind !== 'terminated') c.state = { kind: 'terminated', exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: run.startTime, finishedAt: new Date() };
  }
}
