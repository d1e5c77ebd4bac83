// The process kubelet's shell: watches Pods, binds the unscheduled ones whose nodeSelector its Node meets,
// runs each bound Pod's containers as local processes, reports their status, and finalizes deletes.
// All decisions about states and phases are in status.ts; this file only does the I/O.
import { join } from 'node:path';
import {
  CoreV1Api, PatchStrategy, makeInformer, setHeaderOptions,
  type KubeConfig, type V1Container, type V1ContainerStatus, type V1Pod,
} from '@kubernetes/client-node';
import { describeError, isStatus } from './api-errors.ts';
import { bindPod, dataLookup } from './pod-api.ts';
import type { ImageTable } from './images.ts';
import { prepareLaunch, type Launch } from './launch.ts';
import { startupProbe } from './probe.ts';
import { newPodRun, stopSidecars, type PodRun } from './pod-run.ts';
import { PROCESS_NODE_LABELS, selectsNode } from './placement.ts';
import { EVICTION_MESSAGE, simulate, simulatedEnd, simulationOf } from './simulate.ts';
import type { Exit, RunningProcess } from './process.ts';
import type { SyntheticBus } from './synthetic.ts';
import {
  allTerminated, backoffMs, podStatus, restartsAfterExit, terminatedState,
  type ContainerRun, type RestartPolicy, type Terminated,
} from './status.ts';

export type KubeletOptions = {
  kc: KubeConfig;
  nodeName: string;
  /** Cluster dir: Pod logs go to <dir>/logs/pods/<ns>_<name>_<uid>/<container>.log. */
  dir: string;
  images: ImageTable;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Bind unscheduled Pods to this node (off for extra kubelets that only run Pods named to them). */
  bind: boolean;
  /** Messaging of builtin `synthetic` containers (images.json entries with `"builtin": "synthetic"`). */
  bus: SyntheticBus;
  log: (msg: string) => void;
};

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Where a Pod container's output is kept (appended across restarts). */
export function podLogPath(dir: string, namespace: string, name: string, uid: string, container: string): string {
  return join(dir, 'logs', 'pods', `${namespace}_${name}_${uid}`, `${container}.log`);
}

/** Starts the kubelet; resolves once its Pod watch is running. `stop()` ends every Pod's process. */
export async function startKubelet(o: KubeletOptions): Promise<{ stop(): Promise<void> }> {
  const core = o.kc.makeApiClient(CoreV1Api);
  const runs = new Map<string, PodRun>();
  const queues = new Map<string, Promise<void>>();
  let stopping = false;

  // One Pod's work runs strictly in order, so watch events and process exits never interleave.
  const enqueue = (uid: string, what: string, fn: () => Promise<void>): void => {
    const next = (queues.get(uid) ?? Promise.resolve()).then(fn).catch((err: unknown) => o.log(`${what}: ${describeError(err)}`));
    queues.set(uid, next);
    void next.then(() => { if (queues.get(uid) === next) queues.delete(uid); });
  };

  const lookup = dataLookup(core);

  const sync = async (run: PodRun): Promise<void> => {
    if (run.frozen) return;
    const status = JSON.parse(JSON.stringify(podStatus({
      podUid: run.uid, containers: run.containers, sidecars: run.sidecars, startTime: run.startTime, now: new Date(),
      previousConditions: run.pod.status?.conditions ?? [],
      ...(run.simulated?.kind === 'evict' ? { evicted: { message: EVICTION_MESSAGE } } : {}),
    }))) as unknown;
    const text = JSON.stringify(status);
    if (text === run.lastStatus) return;
    try {
      run.pod = await core.patchNamespacedPodStatus({ name: run.name, namespace: run.namespace, body: { status } }, mergePatch);
      run.lastStatus = text;
    } catch (err) {
      if (isStatus(err, 404)) return;
      // A status must not be lost to a transient API error, even when nothing else happens later.
      o.log(`status of ${run.namespace}/${run.name}: ${describeError(err)}; retrying in 1s`);
      setTimeout(() => enqueue(run.uid, `status retry ${run.namespace}/${run.name}`, () => sync(run)), 1000);
    }
  };

  const startContainer = async (run: PodRun, c: ContainerRun): Promise<void> => {
    const spec = [...(run.pod.spec?.initContainers ?? []), ...(run.pod.spec?.containers ?? [])].find((x) => x.name === c.name) as V1Container;
    const logFile = podLogPath(o.dir, run.namespace, run.name, run.uid, c.name);
    let prepared: Launch;
    try {
      prepared = await prepareLaunch({ dir: o.dir, images: o.images, bus: o.bus, lookup }, run.pod, spec, logFile);
    } catch (err) {
      // As the kubelet does for a missing ConfigMap key: the container waits with the reason and
      // is retried with back-off (the ConfigMap may be created later).
      c.state = { kind: 'waiting', reason: 'CreateContainerConfigError', message: describeError(err) };
      const attempt = run.configRetries.get(c.name) ?? 0;
      run.configRetries.set(c.name, attempt + 1);
      run.timers.set(c.name, setTimeout(() => enqueue(run.uid, `retry of ${run.namespace}/${run.name}/${c.name}`, async () => {
        run.timers.delete(c.name);
        if (!run.deleting && !stopping && runs.get(run.uid) === run) await startContainer(run, c);
      }), backoffMs(attempt, o.backoffBaseMs, o.backoffMaxMs)));
      await sync(run);
      return;
    }
    const proc = prepared.launch();
    const startedAt = new Date();
    if (proc.pid !== 0) {
      c.state = { kind: 'running', startedAt, pid: proc.pid };
      run.procs.set(c.name, proc);
      o.log(`started ${run.namespace}/${run.name}/${c.name} pid ${proc.pid}: ${prepared.what}`);
      await sync(run);
    }
    void proc.exited.then((exit) => enqueue(run.uid, `exit of ${run.namespace}/${run.name}/${c.name}`, () => onExit(run, c, proc, startedAt, exit)));
  };

  const terminated = (startedAt: Date, exit: Exit): Terminated => exit.error !== undefined
    // A runtime cannot start a missing executable: StartError, exit code 128.
    ? { exitCode: 128, reason: 'StartError', message: exit.error, startedAt, finishedAt: new Date() }
    : terminatedState(startedAt, new Date(), exit.code, exit.signal);

  const onExit = async (run: PodRun, c: ContainerRun, proc: RunningProcess, startedAt: Date, exit: Exit): Promise<void> => {
    if (run.procs.get(c.name) === proc) run.procs.delete(c.name);
    // Stopped by this kubelet's own shutdown: the Pod keeps its last reported state, and a restarted
    // kubelet treats the container as lost (137), as a real node restart would.
    if (stopping || c.state.kind === 'terminated' || runs.get(run.uid) !== run) return;
    const t = simulatedEnd(run, c, terminated(startedAt, exit));
    o.log(`${run.namespace}/${run.name}/${c.name} exited ${t.exitCode} (${t.reason})`);
    if (!run.deleting && !stopping && run.simulated?.kind !== 'evict' && mayRestart(run, c, t.exitCode)) {
      const delay = backoffMs(c.restartCount, o.backoffBaseMs, o.backoffMaxMs);
      c.lastTerminated = t;
      c.state = { kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off ${delay}ms restarting container ${c.name} of pod ${run.namespace}/${run.name}` };
      run.timers.set(c.name, setTimeout(() => enqueue(run.uid, `restart of ${run.namespace}/${run.name}/${c.name}`, async () => {
        run.timers.delete(c.name);
        if (run.deleting || stopping || runs.get(run.uid) !== run) return;
        c.restartCount += 1;
        await startContainer(run, c);
      }), delay));
    } else {
      c.state = { kind: 'terminated', ...t };
      if (!run.sidecars.includes(c) && allTerminated(run.containers)) stopSidecars(run, o.log);
    }
    await sync(run);
  };

  const mayRestart = (run: PodRun, c: ContainerRun, exitCode: number): boolean => restartsAfterExit(run, c, exitCode);

  // Stops the Pod's processes within its grace period, records their end, then deletes it for good.
  const terminate = async (run: PodRun, pod: V1Pod): Promise<void> => {
    if (run.deleting) return;
    run.deleting = true;
    run.pod = pod;
    for (const t of run.timers.values()) clearTimeout(t);
    run.timers.clear();
    const graceMs = 1000 * (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
    const stopAll = (list: ContainerRun[]) => Promise.all(list.map(async (c) => {
      const proc = run.procs.get(c.name);
      if (proc === undefined || c.state.kind !== 'running') return;
      o.log(`stopping ${run.namespace}/${run.name}/${c.name} (grace ${graceMs}ms)`);
      const exit = await proc.stop(graceMs);
      c.state = { kind: 'terminated', ...terminated(c.state.startedAt, exit) };
      run.procs.delete(c.name);
    }));
    // Sidecars last, as the kubelet does: a collector still reads what the trial wrote while stopping.
    await stopAll(run.containers);
    await stopAll(run.sidecars);
    await sync(run);
    try {
      await core.deleteNamespacedPod({
        name: run.name, namespace: run.namespace, gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: run.uid } },
      });
      o.log(`deleted ${run.namespace}/${run.name}`);
    } catch (err) {
      if (!isStatus(err, 404) && !isStatus(err, 409)) throw err;
    }
  };

  const reconcile = async (pod: V1Pod): Promise<void> => {
    const uid = pod.metadata?.uid ?? '';
    if (!pod.spec?.nodeName) {
      const scheduler = pod.spec?.schedulerName ?? 'default-scheduler';
      const mine = selectsNode(pod, { 'kubernetes.io/hostname': o.nodeName, ...PROCESS_NODE_LABELS });
      if (o.bind && mine && !pod.metadata?.deletionTimestamp && scheduler === 'default-scheduler') await bindPod(core, pod, o.nodeName, o.log);
      return;
    }
    if (pod.spec.nodeName !== o.nodeName || stopping) return;
    let run = runs.get(uid);
    const phase = pod.status?.phase;
    if (run === undefined) {
      run = newPodRun(pod);
      runs.set(uid, run);
      if (phase === 'Succeeded' || phase === 'Failed') {
        // Finished before this kubelet started: nothing to run, but a delete must still be finalized.
        run.frozen = true;
      } else if (!pod.metadata?.deletionTimestamp) {
        await recoverOrStart(run, pod);
      }
    } else if (!run.deleting) {
      run.pod = pod;
      const sim = simulationOf(pod);
      if (sim !== undefined && run.simulated === undefined) {
        simulate(run, sim, o.log);
        await sync(run);
      }
    }
    if (pod.metadata?.deletionTimestamp) await terminate(run, pod);
  };

  // Starts (or, after a kubelet restart, recovers) a Pod's sidecars, then its containers.
  const recoverOrStart = async (run: PodRun, pod: V1Pod): Promise<void> => {
    const prev = new Map([...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => [s.name, s]));
    const started: ContainerRun[] = [];
    for (const c of run.sidecars) if (await recoverOrStartOne(run, c, prev.get(c.name))) started.push(c);
    const startContainers = async (): Promise<void> => {
      for (const c of run.containers) await recoverOrStartOne(run, c, prev.get(c.name));
      await sync(run);
    };
    if (started.length === 0) return startContainers();
    await sync(run);
    // As the kubelet: the containers start once the sidecars started now pass their startupProbe
    // (waited for outside the Pod's queue, so a delete meanwhile is handled at once).
    const gone = (): boolean => run.deleting || stopping || runs.get(run.uid) !== run;
    const ctx = { dir: o.dir, images: o.images, bus: o.bus, lookup };
    const specs = new Map((pod.spec?.initContainers ?? []).map((c) => [c.name, c]));
    void Promise.all(started.map((c) => startupProbe(ctx, pod, specs.get(c.name) as V1Container, gone).catch(() => false))).then((oks) => {
      if (oks.includes(false) && !gone()) o.log(`${run.namespace}/${run.name}: a sidecar's startupProbe did not succeed; starting the containers anyway`);
      enqueue(run.uid, `start containers of ${run.namespace}/${run.name}`, async () => { if (!gone()) await startContainers(); });
    });
  };

  // One container of a Pod this node may have run before the kubelet restarted: its lost process counts
  // as exited (137), restarted or finished per policy; else it starts. True when it was started now.
  const recoverOrStartOne = async (run: PodRun, c: ContainerRun, p: V1ContainerStatus | undefined): Promise<boolean> => {
    const was = p?.state;
    if (was?.terminated && !mayRestart(run, c, was.terminated.exitCode)) {
      const t = was.terminated;
      c.state = { kind: 'terminated', exitCode: t.exitCode, reason: t.reason ?? 'Error', startedAt: new Date(t.startedAt ?? run.startTime), finishedAt: new Date(t.finishedAt ?? run.startTime) };
      return false;
    }
    if (was?.running || was?.terminated || p?.lastState?.terminated) {
      const startedAt = new Date(was?.running?.startedAt ?? run.startTime);
      const code = was?.terminated?.exitCode ?? 137;
      o.log(`${run.namespace}/${run.name}/${c.name}: process lost across a kubelet restart`);
      c.state = { kind: 'running', startedAt, pid: 0 };
      const lost: RunningProcess = { pid: 0, exited: Promise.resolve({ code, signal: null }), stop: () => lost.exited };
      await onExit(run, c, lost, startedAt, { code, signal: null });
      return false;
    }
    await startContainer(run, c);
    return true;
  };

  const forget = async (pod: V1Pod): Promise<void> => {
    const run = runs.get(pod.metadata?.uid ?? '');
    if (run === undefined) return;
    runs.delete(run.uid);
    run.deleting = true;
    for (const t of run.timers.values()) clearTimeout(t);
    // Force-deleted while running (grace 0 by someone else): the processes still get their grace.
    const graceMs = 1000 * (pod.spec?.terminationGracePeriodSeconds ?? 30);
    await Promise.all([...run.procs.values()].map((p) => p.stop(graceMs)));
  };

  const informer = makeInformer(o.kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
  const onPod = (pod: V1Pod): void => {
    const id = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    enqueue(pod.metadata?.uid ?? '', `reconcile ${id}`, () => reconcile(pod));
  };
  informer.on('add', onPod);
  informer.on('update', onPod);
  informer.on('delete', (pod) => enqueue(pod.metadata?.uid ?? '', 'forget', () => forget(pod)));
  informer.on('error', (err) => {
    if (stopping) return;
    o.log(`pod watch failed (${describeError(err)}); restarting in 1s`);
    setTimeout(() => { if (!stopping) void informer.start().catch((e: unknown) => o.log(`pod watch restart: ${describeError(e)}`)); }, 1000);
  });
  await informer.start();
  o.log(`watching pods for node ${o.nodeName}`);

  return {
    stop: async () => {
      stopping = true;
      await informer.stop();
      const all = [...runs.values()];
      for (const r of all) for (const t of r.timers.values()) clearTimeout(t);
      // The Pod objects stay; a restarted kubelet finds them and applies their restart policy.
      await Promise.all(all.flatMap((r) => [...r.procs.values()].map((p) => p.stop(10_000))));
    },
  };
}
