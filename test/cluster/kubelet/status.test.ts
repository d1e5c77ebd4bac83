import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, exitCodeOf, podPhase, podStatus, restartsAfterExit, shouldRestart, terminatedState, type ContainerRun } from './status.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:00:05Z');
const waiting = (name: string, restartCount = 0): ContainerRun => ({ name, image: 'x', restartCount, state: { kind: 'waiting', reason: 'ContainerCreating' } });
const running = (name: string): ContainerRun => ({ name, image: 'x', restartCount: 0, state: { kind: 'running', startedAt: t0, pid: 42 } });
const done = (name: string, exitCode: number): ContainerRun => ({ name, image: 'x', restartCount: 0, state: { kind: 'terminated', ...terminatedState(t0, t1, exitCode, null) } });

test('restart policy decides which exits restart', () => {
  assert.equal(shouldRestart('Never', 1), false);
  assert.equal(shouldRestart('Never', 0), false);
  assert.equal(shouldRestart('OnFailure', 0), false);
  assert.equal(shouldRestart('OnFailure', 3), true);
  assert.equal(shouldRestart('Always', 0), true);
});

test('crash-loop backoff doubles and is capped', () => {
  assert.deepEqual([0, 1, 2, 3, 10, 1000].map((n) => backoffMs(n, 100, 1000)), [100, 200, 400, 800, 1000, 1000]);
});

test('a process killed by a signal reports 128+signal, like a container runtime', () => {
  assert.equal(exitCodeOf(null, 15), 143);
  assert.equal(exitCodeOf(null, 9), 137);
  assert.equal(exitCodeOf(2, null), 2);
  assert.equal(terminatedState(t0, t1, 0, null).reason, 'Completed');
  assert.equal(terminatedState(t0, t1, null, 9).reason, 'Error');
});

test('phase: Pending until every container started once, then Running, then terminal', () => {
  assert.equal(podPhase([]), 'Pending');
  assert.equal(podPhase([running('a'), waiting('b')]), 'Pending');
  assert.equal(podPhase([running('a'), waiting('b', 1)]), 'Running');
  assert.equal(podPhase([running('a'), done('b', 0)]), 'Running');
  assert.equal(podPhase([done('a', 0), done('b', 0)]), 'Succeeded');
  assert.equal(podPhase([done('a', 0), done('b', 2)]), 'Failed');
  const backingOff: ContainerRun = { ...waiting('a'), lastTerminated: terminatedState(t0, t1, 1, null) };
  assert.equal(podPhase([backingOff]), 'Running');
});

test('sidecars: the Pod is terminal only once they stopped, and its outcome is the regular containers\' (a SIGTERMed sidecar does not fail it)', () => {
  assert.equal(podPhase([done('a', 0)], [running('collector')]), 'Running');
  assert.equal(podPhase([done('a', 0)], [done('collector', 143)]), 'Succeeded');
  assert.equal(podPhase([done('a', 1)], [done('collector', 0)]), 'Failed');
  const s = podStatus({ podUid: 'u', containers: [done('a', 0)], sidecars: [running('collector')], startTime: t0, now: t1, previousConditions: [] });
  assert.deepEqual(s.initContainerStatuses?.map((c) => [c.name, c.started]), [['collector', true]]);
});

test('a sidecar restarts whatever its exit code while a container may still run, never after; containers follow the Pod policy', () => {
  const sidecar = running('collector');
  const main = running('trial');
  assert.equal(restartsAfterExit({ policy: 'Never', containers: [main], sidecars: [sidecar] }, sidecar, 0), true);
  assert.equal(restartsAfterExit({ policy: 'Never', containers: [done('trial', 0)], sidecars: [sidecar] }, sidecar, 1), false);
  assert.equal(restartsAfterExit({ policy: 'Never', containers: [main], sidecars: [sidecar] }, main, 1), false);
  assert.equal(restartsAfterExit({ policy: 'OnFailure', containers: [main], sidecars: [sidecar] }, main, 1), true);
});

test('status carries exit codes, restart counts, readiness and keeps transition times', () => {
  const prev = [
    { type: 'Initialized', status: 'True', lastTransitionTime: t0 },
    { type: 'PodScheduled', status: 'True', lastTransitionTime: t0 },
    { type: 'Ready', status: 'True', lastTransitionTime: t0 },
  ];
  const failed: ContainerRun = { ...done('main', 3), restartCount: 2, lastTerminated: terminatedState(t0, t0, 1, null) };
  const s = podStatus({ podUid: 'u1', containers: [failed], startTime: t0, now: t1, previousConditions: prev });
  assert.equal(s.phase, 'Failed');
  const cs = s.containerStatuses?.[0];
  assert.equal(cs?.state?.terminated?.exitCode, 3);
  assert.equal(cs?.lastState?.terminated?.exitCode, 1);
  assert.equal(cs?.restartCount, 2);
  assert.equal(cs?.ready, false);
  const cond = (type: string) => s.conditions?.find((c) => c.type === type);
  assert.equal(cond('Ready')?.status, 'False');
  assert.equal(cond('Ready')?.reason, 'PodCompleted');
  assert.equal(cond('Ready')?.lastTransitionTime, t1, 'Ready changed, so it transitions now');
  assert.equal(cond('Initialized')?.lastTransitionTime, t0, 'Initialized did not change');
  assert.deepEqual(cond('PodScheduled'), prev[1], 'the binder owns PodScheduled');

  const r = podStatus({ podUid: 'u1', containers: [running('main')], startTime: t0, now: t1, previousConditions: [] });
  assert.equal(r.phase, 'Running');
  assert.equal(r.containerStatuses?.[0]?.ready, true);
  assert.equal(r.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});
