// A sidecar's exec startupProbe, as the kubelet runs it before starting the next containers: the
// command runs every periodSeconds until it exits 0 (started) or failureThreshold attempts failed.
import { execFile } from 'node:child_process';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerEnv } from './env.ts';
import { processSpec, type LaunchContext } from './launch.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves true once the container's startupProbe succeeds (at once without an exec probe), false
 * after failureThreshold failures or when `cancelled()` (the Pod is going away). Unlike the kubelet,
 * a container whose probe never succeeds is not restarted: the caller starts the others anyway.
 */
export async function startupProbe(ctx: LaunchContext, pod: V1Pod, spec: V1Container, cancelled: () => boolean): Promise<boolean> {
  const probe = spec.startupProbe;
  const command = probe?.exec?.command;
  if (probe === undefined || command === undefined || command.length === 0) return true;
  const p = processSpec(ctx, pod, spec, await containerEnv(pod, spec, ctx.lookup), command);
  const [file = '', ...args] = p.argv;
  const timeout = 1000 * (probe.timeoutSeconds ?? 1);
  await sleep(1000 * (probe.initialDelaySeconds ?? 0));
  for (let attempt = 0; attempt < (probe.failureThreshold ?? 3) && !cancelled(); attempt++) {
    const ok = await new Promise<boolean>((resolve) => execFile(file, args, { env: p.env, cwd: p.cwd, timeout }, (err) => resolve(err === null)));
    if (ok) return true;
    await sleep(1000 * (probe.periodSeconds ?? 10));
  }
  return false;
}
