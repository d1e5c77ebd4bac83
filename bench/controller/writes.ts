// API writes by resource, from the API server's own request counter, to count the writes a trial costs.
import type { TestCluster } from "../../test/cluster/with-cluster.ts";

const WRITE_VERBS = new Set(["POST", "PATCH", "PUT", "DELETE", "APPLY"]);

/** Write requests served so far, by `<verb> <resource>[/<subresource>]` (all codes, cluster-wide). */
export async function apiWrites(cluster: TestCluster): Promise<Map<string, number>> {
  const r = await cluster.kubectl(["get", "--raw", "/metrics"], { namespace: null, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`reading the API server's /metrics failed: ${r.stderr}`);
  const out = new Map<string, number>();
  for (const line of r.stdout.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const label = (k: string): string => new RegExp(`[{,]${k}="([^"]*)"`).exec(line)?.[1] ?? "";
    const verb = label("verb");
    if (!WRITE_VERBS.has(verb)) continue;
    const key = `${verb} ${label("resource")}${label("subresource") ? `/${label("subresource")}` : ""}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return out;
}

/** Writes per trial between two snapshots, largest first (only the kinds a job touches). */
export function writesPerTrial(before: Map<string, number>, after: Map<string, number>, trials: number): [string, number][] {
  const kinds = /^(POST|PATCH|PUT|DELETE) (pods|pods\/status|pods\/binding|trials|trials\/status|tuningjobs|tuningjobs\/status|events|jobs|jobs\/status)$/;
  return [...after]
    .filter(([k]) => kinds.test(k))
    .map(([k, n]): [string, number] => [k, (n - (before.get(k) ?? 0)) / Math.max(1, trials)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}
