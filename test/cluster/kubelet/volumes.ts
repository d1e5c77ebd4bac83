// emptyDir volumes for processes: a host directory per Pod volume, and the container's mount paths
// rewritten to it in its command, args and env values (a process cannot see a mount; docs/test-cluster.md).
import { join, posix } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';

/** A mount path and the host directory that stands in for it. */
export type PathMapping = { mountPath: string; hostPath: string };

/** Host directory of a Pod's volume: <dir>/pods/<ns>_<pod>_<uid>/volumes/<name>. */
export function volumeHostDir(dir: string, pod: V1Pod, volume: string): string {
  const m = pod.metadata ?? {};
  return join(dir, 'pods', `${m.namespace ?? 'default'}_${m.name ?? ''}_${m.uid ?? ''}`, 'volumes', volume);
}

/** The container's mounts of the Pod's emptyDir volumes (other volume kinds are not provided), longest mount path first. */
export function emptyDirMappings(dir: string, pod: V1Pod, container: V1Container): PathMapping[] {
  const emptyDirs = new Set((pod.spec?.volumes ?? []).filter((v) => v.emptyDir !== undefined).map((v) => v.name));
  return (container.volumeMounts ?? [])
    .filter((m) => emptyDirs.has(m.name))
    .map((m) => ({ mountPath: posix.normalize(m.mountPath).replace(/\/$/, ''), hostPath: join(volumeHostDir(dir, pod, m.name), m.subPath ?? '') }))
    .sort((a, b) => b.mountPath.length - a.mountPath.length);
}

/**
 * Rewrites a mount path to its host directory where it starts a path in `s`: at the start, or after
 * `=`, `:` or whitespace, and followed by `/`, whitespace or the end (so `/out` does not touch `/outer`).
 * Paths inside `keep` are left alone: the checkout the processes run from stands for the image's own
 * files, which a real mount would not hide from the runtime (a repository cloned under /tmp must still
 * start when a Pod mounts an emptyDir at /tmp).
 */
export function rewritePaths(s: string, mappings: readonly PathMapping[], keep: readonly string[] = []): string {
  let out = s;
  for (const m of mappings) {
    const escaped = m.mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(^|[=:\\s])${escaped}(?=/|\\s|$)`, 'g'), (whole: string, before: string, offset: number, all: string) => {
      const start = offset + before.length;
      const kept = keep.some((k) => all.startsWith(k, start) && (all.length === start + k.length || /[/\s]/.test(all[start + k.length] ?? '')));
      return kept ? whole : `${before}${m.hostPath}`;
    });
  }
  return out;
}
