// The process kubelet's API reads and writes other than Pod status: ConfigMap/Secret data for env, and bindings.
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { isStatus } from './api-errors.ts';
import type { DataLookup } from './env.ts';

/** Reads ConfigMap data and decoded Secret data; undefined when the object does not exist. */
export function dataLookup(core: CoreV1Api): DataLookup {
  return async (kind, namespace, name) => {
    try {
      if (kind === 'ConfigMap') return (await core.readNamespacedConfigMap({ name, namespace })).data ?? {};
      const data = (await core.readNamespacedSecret({ name, namespace })).data ?? {};
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  };
}

/** Binds a Pod to the node, as the scheduler would; a Pod already bound or gone is left alone. */
export async function bindPod(core: CoreV1Api, pod: V1Pod, nodeName: string, log: (msg: string) => void): Promise<void> {
  const { name = '', namespace = 'default' } = pod.metadata ?? {};
  try {
    await core.createNamespacedPodBinding({
      name, namespace,
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } },
    });
    log(`bound ${namespace}/${name} to ${nodeName}`);
  } catch (err) {
    // Already bound (a newer event will show it) or already gone: nothing to do.
    if (!isStatus(err, 409) && !isStatus(err, 404)) throw err;
  }
}
