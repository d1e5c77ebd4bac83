// What to start for one container of a Pod: a builtin run inside the kubelet, or a process with its
// command resolved through the image table, its env, and its emptyDir mounts mapped to host dirs.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerEnv, expandVars, type DataLookup } from './env.ts';
import { resolveBuiltin, resolveCommand, type ImageTable } from './images.ts';
import { startProcess, type RunningProcess } from './process.ts';
import { parseSyntheticArgs, startSynthetic, syntheticTrial, type SyntheticBus } from './synthetic.ts';
import { emptyDirMappings, rewritePaths } from './volumes.ts';

/** The checkout this kubelet runs from: its files stand for the images' own, which no volume mount hides. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export type LaunchContext = { dir: string; images: ImageTable; bus: SyntheticBus; lookup: DataLookup };
export type Launch = { launch: () => RunningProcess; what: string };

/** Init containers the process kubelet runs: native sidecars (restartPolicy Always) only. */
export function sidecarsOf(pod: V1Pod): V1Container[] {
  const init = pod.spec?.initContainers ?? [];
  const plain = init.filter((c) => c.restartPolicy !== 'Always');
  if (plain.length > 0) {
    const m = pod.metadata ?? {};
    throw new Error(`pod ${m.namespace}/${m.name}: init container "${plain[0]?.name}" is not supported by the process kubelet (only native sidecars, restartPolicy: Always); run that step inside the main container`);
  }
  return init;
}

/** Prepares a container's start; throws (the caller reports CreateContainerConfigError) when it cannot be prepared. */
export async function prepareLaunch(ctx: LaunchContext, pod: V1Pod, spec: V1Container, logFile: string): Promise<Launch> {
  sidecarsOf(pod);
  const builtin = resolveBuiltin(spec, ctx.images);
  const vars = await containerEnv(pod, spec, ctx.lookup);
  if (builtin !== undefined) {
    const trial = syntheticTrial(vars);
    const options = parseSyntheticArgs(builtin.args.map((a) => expandVars(a, vars)));
    return { launch: () => startSynthetic({ trial, options, bus: ctx.bus, logFile }), what: `builtin ${builtin.builtin} ${JSON.stringify(options)}` };
  }
  const p = processSpec(ctx, pod, spec, vars);
  return { launch: () => startProcess({ ...p, logFile }), what: JSON.stringify(p.argv) };
}

/** A container's process: argv resolved through the image table, env, cwd, and emptyDir mounts mapped (`argv` overrides the command, for exec probes). */
export function processSpec(ctx: LaunchContext, pod: V1Pod, spec: V1Container, vars: ReadonlyMap<string, string>, argv?: string[]): { argv: string[]; env: Record<string, string>; cwd: string } {
  const resolved = resolveCommand(spec, ctx.images);
  const mappings = emptyDirMappings(ctx.dir, pod, spec);
  for (const m of mappings) mkdirSync(m.hostPath, { recursive: true });
  const base = { PATH: [...resolved.pathPrepend, process.env.PATH ?? '/usr/bin:/bin'].join(':'), HOME: process.env.HOME ?? '/' };
  const keep = [REPO_ROOT];
  const env = { ...base, ...Object.fromEntries([...vars].map(([k, v]) => [k, rewritePaths(v, mappings, keep)])) };
  const m = pod.metadata ?? {};
  const cwd = spec.workingDir ?? resolved.cwd ?? join(ctx.dir, 'pods', `${m.namespace}_${m.name}_${m.uid}`);
  // Kubernetes expands $(VAR) in command and args, not in a probe's command.
  const command = argv ?? resolved.argv.map((a) => expandVars(a, vars));
  return { argv: command.map((a) => rewritePaths(a, mappings, keep)), env, cwd };
}
