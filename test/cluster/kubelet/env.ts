// A container's environment, computed as the real kubelet does: envFrom first, then env in order,
// each value expanding $(VAR) references to variables defined before it.
import type { V1Container, V1Pod } from '@kubernetes/client-node';

/** Looks up a ConfigMap's or Secret's data (Secret values already decoded); undefined when absent. */
export type DataLookup = (kind: 'ConfigMap' | 'Secret', namespace: string, name: string) => Promise<Record<string, string> | undefined>;

/**
 * Expands Kubernetes `$(VAR)` references in `s` from `vars`: `$$` is a literal `$`, and a
 * reference to an undefined variable is left as written (the API's documented behaviour).
 */
export function expandVars(s: string, vars: ReadonlyMap<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return '$';
    return vars.get(name) ?? whole;
  });
}

/** Resolves a downward-API field path (`metadata.name`, `metadata.labels['k']`, …) against a Pod. */
export function fieldRefValue(pod: V1Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed) {
    const map = keyed[1] === 'labels' ? meta.labels : meta.annotations;
    return map?.[keyed[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name': return meta.name ?? '';
    case 'metadata.namespace': return meta.namespace ?? '';
    case 'metadata.uid': return meta.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    // Every process shares the host's network: the Pod and host address are both loopback.
    case 'status.podIP': case 'status.podIPs': case 'status.hostIP': case 'status.hostIPs': return '127.0.0.1';
    default:
      throw new Error(`unsupported fieldRef.fieldPath "${fieldPath}" (the process kubelet supports metadata.name/namespace/uid/labels['k']/annotations['k'], spec.nodeName, spec.serviceAccountName, status.podIP, status.hostIP)`);
  }
}

/** Builds the container's variables (not the base process environment); throws on a missing required reference. */
export async function containerEnv(pod: V1Pod, container: V1Container, lookup: DataLookup): Promise<Map<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default';
  const vars = new Map<string, string>();
  const where = `pod ${ns}/${pod.metadata?.name ?? '?'} container "${container.name}"`;

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref?.name) continue;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const data = await lookup(kind, ns, ref.name);
    if (data === undefined) {
      if (ref.optional) continue;
      throw new Error(`${where}: envFrom ${kind} "${ref.name}" not found; create it or mark the reference optional`);
    }
    for (const [k, v] of Object.entries(data)) vars.set(`${from.prefix ?? ''}${k}`, v);
  }

  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (vf === undefined) {
      vars.set(e.name, expandVars(e.value ?? '', vars));
    } else if (vf.fieldRef) {
      vars.set(e.name, fieldRefValue(pod, vf.fieldRef.fieldPath));
    } else if (vf.configMapKeyRef || vf.secretKeyRef) {
      const ref = vf.configMapKeyRef ?? vf.secretKeyRef;
      const kind = vf.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const value = ref?.name ? (await lookup(kind, ns, ref.name))?.[ref.key] : undefined;
      if (value !== undefined) vars.set(e.name, value);
      else if (!ref?.optional) {
        throw new Error(`${where}: env ${e.name}: key "${ref?.key}" of ${kind} "${ref?.name}" not found; create it or mark the reference optional`);
      }
    } else {
      throw new Error(`${where}: env ${e.name}: only value, fieldRef, configMapKeyRef and secretKeyRef are supported by the process kubelet`);
    }
  }
  return vars;
}
