import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { newPodRun } from './pod-run.ts';
import { EVICTION_MESSAGE, SIMULATE_ANNOTATION, simulate, simulatedEnd, simulationOf } from './simulate.ts';
import { podStatus, terminatedState } from './status.ts';
import type { RunningProcess } from './process.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:00:05Z');
const pod = (annotation?: string): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u', ...(annotation ? { annotations: { [SIMULATE_ANNOTATION]: annotation } } : {}) },
  spec: { restartPolicy: 'Never', containers: [{ name: 'trainer', image: 'kubetune/synthetic' }, { name: 'other', image: 'busybox' }] },
});

/** A PodRun whose containers run as fake processes that record the stop they were given. */
function runningRun() {
  const run = newPodRun(pod('oom'));
  const stops: [string, number][] = [];
  for (const c of run.containers) {
    c.state = { kind: 'running', startedAt: t0, pid: 7 };
    const proc: RunningProcess = { pid: 7, exited: new Promise(() => {}), stop: async (grace) => { stops.push([c.name, grace]); return { code: null, signal: 9 }; } };
    run.procs.set(c.name, proc);
  }
  return { run, stops };
}

test('only oom and evict are simulations', () => {
  assert.equal(simulationOf(pod('oom')), 'oom');
  assert.equal(simulationOf(pod('evict')), 'evict');
  assert.equal(simulationOf(pod('explode')), undefined);
  assert.equal(simulationOf(pod()), undefined);
});

test('oom: the first running container is killed at once and terminates as an OOM kill (137, OOMKilled); the others as they end', () => {
  const { run, stops } = runningRun();
  simulate(run, 'oom', () => {});
  assert.deepEqual(stops, [['trainer', 0]]);
  const killed = terminatedState(t0, t1, null, 9);
  assert.deepEqual([simulatedEnd(run, run.containers[0]!, killed).reason, simulatedEnd(run, run.containers[0]!, killed).exitCode], ['OOMKilled', 137]);
  assert.equal(simulatedEnd(run, run.containers[1]!, terminatedState(t0, t1, 0, null)).reason, 'Completed');
});

test('evict: every container is killed at once and the Pod fails as the kubelet reports an eviction', () => {
  const { run, stops } = runningRun();
  simulate(run, 'evict', () => {});
  assert.deepEqual(stops, [['trainer', 0], ['other', 0]]);
  for (const c of run.containers) c.state = { kind: 'terminated', ...simulatedEnd(run, c, terminatedState(t0, t1, null, 9)) };
  const s = podStatus({ podUid: 'u', containers: run.containers, startTime: t0, now: t1, previousConditions: [], evicted: { message: EVICTION_MESSAGE } });
  assert.deepEqual([s.phase, s.reason, s.message], ['Failed', 'Evicted', EVICTION_MESSAGE]);
  const d = s.conditions?.find((c) => c.type === 'DisruptionTarget');
  assert.deepEqual([d?.status, d?.reason, d?.message], ['True', 'TerminationByKubelet', EVICTION_MESSAGE]);
  assert.deepEqual(s.containerStatuses?.map((c) => c.state?.terminated?.exitCode), [137, 137]);
});
