import { posix } from "node:path";
import type { V1Container, V1EnvVar, V1PodSpec, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import type { MetricsCollector } from "../api/metrics-collector.ts";
import pkg from "../../../package.json" with { type: "json" };

/** Name of the collector sidecar (a native sidecar: an init container with restartPolicy Always). */
export const COLLECTOR_CONTAINER = "kubetune-collector";
/** The collector's image when the cluster configures none (the chart's collector.image): this version's kubetune image. */
export const DEFAULT_COLLECTOR_IMAGE = `kubetune/kubetune:${pkg.version}`;
/** Name of the emptyDir the trial container and the collector share. */
export const COLLECTOR_VOLUME = "kubetune-metrics";
/** Where the shared emptyDir is mounted with kind stdout. */
export const STDOUT_DIR = "/kubetune-metrics";
/** The file the wrapped trial command's stdout is copied to, with kind stdout. */
export const STDOUT_FILE = `${STDOUT_DIR}/stdout.log`;
/** The collector's own emptyDir, where it says it is ready (it handles SIGTERM from then on). */
export const STATE_VOLUME = "kubetune-collector";
export const READY_FILE = "/kubetune-collector/ready";
/** Environment of the collector: its spec (JSON), the file it reads (the wrapper writes it) and its ready file. */
export const COLLECTOR_SPEC_ENV = "KUBETUNE_COLLECTOR";
export const COLLECT_FILE_ENV = "KUBETUNE_COLLECT_FILE";
export const READY_FILE_ENV = "KUBETUNE_COLLECTOR_READY";

/**
 * The sidecar's startupProbe: Kubernetes starts the trial container only once it succeeds, so the
 * collector already drains on SIGTERM when a short trial ends (a Node process killed by SIGTERM while
 * it starts would die without reading the file). `node -e` costs ~40 ms; the image has no shell.
 */
const STARTUP_PROBE = {
  exec: { command: ["node", "-e", "require('node:fs').accessSync(process.argv[1])", READY_FILE] },
  periodSeconds: 1,
  failureThreshold: 120,
};

/**
 * Runs the trial command with its stdout copied to $KUBETUNE_COLLECT_FILE (and still to the container's
 * stdout, for kubectl logs), forwards SIGTERM to it and exits with its exit code. POSIX sh, mkfifo and
 * tee only; no `$$` or `$(`, which Kubernetes would expand in a command.
 */
export const WRAPPER_SCRIPT = [
  'f="$KUBETUNE_COLLECT_FILE"; p="$f.pipe"',
  'rm -f "$p"; mkfifo "$p" || { echo "kubetune: cannot create the pipe $p for the metrics collector (the image needs mkfifo)" >&2; exit 126; }',
  // tee ignores SIGTERM, so output the command writes while it stops still reaches the file; it ends at EOF.
  "trap '' TERM",
  'tee -a "$f" < "$p" & tee=$!',
  "trap - TERM",
  // An asynchronous command gets /dev/null as stdin in sh: hand it the container's stdin explicitly.
  'exec 3<&0',
  '"$@" <&3 3<&- > "$p" & child=$!',
  "exec 3<&-",
  `trap 'kill -TERM "$child" 2>/dev/null; t=1' TERM`,
  // A trapped signal interrupts wait (status 143), so wait again for the command's own status; 127
  // means the status was already collected (the signal came as the command ended).
  'code=',
  'while :; do t=; wait "$child"; c=$?; [ "$c" = 127 ] && [ -n "$code" ] && break; code=$c; [ -z "$t" ] && break; done',
  'wait "$tee"; rm -f "$p"; exit "$code"',
].join("\n");

/** Resources of the collector: a Node process that tails one file (docs/metrics-collector.md has its measured RSS). */
const COLLECTOR_RESOURCES = { requests: { cpu: "10m", memory: "128Mi" }, limits: { memory: "256Mi" } };

/**
 * Adds the metrics collector to a trial Pod spec: a native sidecar running `kubetune collect` from
 * `image` with the trial's KUBETUNE_* `env`, and a directory shared with the trial container (the first
 * container). kind stdout wraps that container's command (validated to be set) so its stdout is teed
 * into the shared emptyDir; kind file shares the file's directory (the trial's own volume mounted
 * there, else a new emptyDir).
 */
export function withMetricsCollector(spec: V1PodSpec, collector: MetricsCollector, image: string, env: V1EnvVar[]): V1PodSpec {
  const [trial, ...others] = spec.containers;
  if (trial === undefined) return spec;
  const dir = collector.kind === "file" ? posix.dirname(collector.path ?? "") : STDOUT_DIR;
  const file = collector.kind === "file" ? (collector.path ?? "") : STDOUT_FILE;
  const existing = (trial.volumeMounts ?? []).find((m) => m.mountPath === dir);
  const shared: V1VolumeMount = existing ? { ...existing, readOnly: true } : { name: COLLECTOR_VOLUME, mountPath: dir };
  const volumes: V1Volume[] = [...(spec.volumes ?? []), ...(existing ? [] : [{ name: COLLECTOR_VOLUME, emptyDir: {} }]), { name: STATE_VOLUME, emptyDir: {} }];
  const wrapped: V1Container = { ...trial, volumeMounts: existing ? trial.volumeMounts : [...(trial.volumeMounts ?? []), { name: COLLECTOR_VOLUME, mountPath: dir }] };
  if (collector.kind === "stdout") {
    wrapped.command = ["/bin/sh", "-c", WRAPPER_SCRIPT, "kubetune-wrap", ...(trial.command ?? []), ...(trial.args ?? [])];
    delete wrapped.args;
    const own = new Set((trial.env ?? []).map((e) => e.name));
    wrapped.env = [
      ...(trial.env ?? []).filter((e) => e.name !== COLLECT_FILE_ENV),
      { name: COLLECT_FILE_ENV, value: file },
      // Python buffers a piped stdout: without this, its metrics would reach the collector at exit only.
      ...(own.has("PYTHONUNBUFFERED") ? [] : [{ name: "PYTHONUNBUFFERED", value: "1" }]),
    ];
  }
  const sidecar: V1Container = {
    name: COLLECTOR_CONTAINER,
    image,
    args: ["collect"],
    restartPolicy: "Always",
    env: [...env, { name: COLLECTOR_SPEC_ENV, value: JSON.stringify(collector) }, { name: COLLECT_FILE_ENV, value: file }, { name: READY_FILE_ENV, value: READY_FILE }],
    volumeMounts: [shared, { name: STATE_VOLUME, mountPath: posix.dirname(READY_FILE) }],
    startupProbe: STARTUP_PROBE,
    resources: COLLECTOR_RESOURCES,
  };
  return { ...spec, containers: [wrapped, ...others], initContainers: [sidecar, ...(spec.initContainers ?? [])], volumes };
}
