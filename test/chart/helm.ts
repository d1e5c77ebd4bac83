// Helm for the chart tests: the binary (built once by build-helm.sh), rendering, and the chart's variants.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const chartDir = join(repoRoot, 'charts/kubetune');
/** The Kubernetes version charts are rendered for (the test cluster's). */
export const KUBE_VERSION = '1.35.4';
/** What makes `.Capabilities` report the prometheus-operator ServiceMonitor CRD as installed. */
export const SERVICE_MONITOR_API = 'monitoring.coreos.com/v1/ServiceMonitor';

let helmBinary: Promise<string> | undefined;

/** Path of the helm binary, built by test/chart/build-helm.sh on first use (cached outside the repo). */
export function helmPath(): Promise<string> {
  helmBinary ??= promisify(execFile)('bash', [join(import.meta.dirname, 'build-helm.sh')], { maxBuffer: 1 << 20 }).then(
    (r) => r.stdout.trim().split('\n').at(-1) ?? '',
    (e: Error & { stderr?: string }) => {
      throw new Error(`test/chart/build-helm.sh failed: ${e.stderr ?? e.message}`);
    },
  );
  return helmBinary;
}

// Helm keeps its own config/cache dirs; tests must not read or write the user's.
const helmHome = mkdtempSync(join(tmpdir(), 'kubetune-helm-'));

export type RunResult = { code: number; stdout: string; stderr: string };

/** Runs helm with isolated config dirs (and KUBECONFIG when given); never throws on a non-zero exit. */
export async function helm(args: readonly string[], opts: { kubeconfig?: string; input?: string } = {}): Promise<RunResult> {
  const bin = await helmPath();
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: helmHome,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    ...(opts.kubeconfig === undefined ? {} : { KUBECONFIG: opts.kubeconfig }),
  };
  return new Promise((res, rej) => {
    const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', (e) => rej(new Error(`cannot run ${bin}: ${e.message}`)));
    child.once('close', (code) => res({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** One way of installing the chart that the tests cover. */
export type Variant = { name: string; values: Record<string, unknown>; apiVersions: readonly string[] };

/** The default values, bundled NATS, a ServiceMonitor, and external NATS with credentials and TLS. */
export const VARIANTS: readonly Variant[] = [
  { name: 'default', values: {}, apiVersions: [] },
  { name: 'bundled-nats', values: { nats: { mode: 'bundled' } }, apiVersions: [] },
  {
    name: 'service-monitor',
    values: { metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } }, controller: { replicas: 2 } },
    apiVersions: [SERVICE_MONITOR_API],
  },
  {
    name: 'external-nats',
    values: {
      nats: {
        mode: 'external',
        external: {
          url: 'tls://nats-0.nats.example:4222,tls://nats-1.nats.example:4222',
          auth: 'userPassword',
          user: 'kubetune',
          password: 's3cret',
          tls: { enabled: true, caCert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
          trialUrl: 'tls://nats.example:4222',
        },
      },
      trainer: { gpu: { count: 2 } },
    },
    apiVersions: [],
  },
];

/** A rendered Kubernetes object (only the fields the tests look at are typed). */
export const K8sObject = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }),
});
export type K8sObject = z.infer<typeof K8sObject>;

/** Arguments of `helm template` for a variant (values go in as JSON on stdin). */
export function templateArgs(v: Variant, release: string, namespace: string, extra: readonly string[] = []): string[] {
  return ['template', release, chartDir, '--namespace', namespace, '--kube-version', KUBE_VERSION, '-f', '-', ...v.apiVersions.flatMap((a) => ['--api-versions', a]), ...extra];
}

/** Renders a variant and parses every object (with --include-crds when asked). */
export async function render(v: Variant, opts: { release?: string; namespace?: string; includeCrds?: boolean } = {}): Promise<{ yaml: string; objects: K8sObject[] }> {
  const r = await helm(templateArgs(v, opts.release ?? 'kt', opts.namespace ?? 'kubetune-system', opts.includeCrds ? ['--include-crds'] : []), { input: JSON.stringify(v.values) });
  if (r.code !== 0) throw new Error(`helm template (${v.name}) failed: ${r.stderr}`);
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as unknown)
    .filter((o) => o !== null)
    .map((o, i) => {
      const parsed = K8sObject.safeParse(o);
      if (!parsed.success) throw new Error(`helm template (${v.name}) document ${i} is not a Kubernetes object: ${z.prettifyError(parsed.error)}`);
      return parsed.data;
    });
  return { yaml: r.stdout, objects };
}

/** The one object of this kind whose name ends with `suffix`; throws with the kinds present otherwise. */
export function find(objects: readonly K8sObject[], kind: string, suffix = ''): K8sObject {
  const hits = objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(suffix));
  if (hits.length !== 1) throw new Error(`expected one ${kind} named *${suffix}, found ${hits.length} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return hits[0] as K8sObject;
}
