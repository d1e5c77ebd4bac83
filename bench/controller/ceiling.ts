// What the API server allows right now: plain ConfigMap creates at the controller's concurrency,
// so a trial rate can be read against the machine's current capacity (the bench machine is shared).
import { CoreV1Api } from "@kubernetes/client-node";
import { PooledKubeConfig } from "../../controller/src/kube/kubeconfig.ts";
import { forEachLimit } from "../../controller/src/kube/limit.ts";

/** Creates `count` small ConfigMaps in `namespace`, `inFlight` at a time; returns creates per second. */
export async function apiCreateRate(kubeconfigPath: string, namespace: string, count = 300, inFlight = 16): Promise<number> {
  const kc = new PooledKubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const names = Array.from({ length: count }, (_, i) => `ceiling-${i}`);
  const t0 = performance.now();
  await forEachLimit(names, inFlight, async (name) => {
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { x: name } } });
  });
  const rate = count / ((performance.now() - t0) / 1000);
  await core.deleteCollectionNamespacedConfigMap({ namespace });
  return rate;
}
