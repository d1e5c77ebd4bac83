import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { PooledKubeConfig } from "../kube/kubeconfig.ts";
import { errorText } from "../telemetry/log.ts";
import { oneLine, type Failure } from "./api-failure.ts";

/** A loaded kubeconfig, its API server and the namespace its current context names ("default" when none). */
export interface LoadedConfig {
  ok: true;
  kc: PooledKubeConfig;
  server: string;
  namespace: string;
}

/**
 * Loads the user's kubeconfig as kubectl does (--kubeconfig, else $KUBECONFIG, else ~/.kube/config,
 * else the in-cluster service account). Unlike client-node's loadFromDefault, no config at all is an
 * error rather than a silent http://localhost:8080.
 */
export function loadKubeConfig(opts: { kubeconfig?: string; context?: string }, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): LoadedConfig | Failure {
  const kc = new PooledKubeConfig();
  const fromEnv = (env.KUBECONFIG ?? "").split(delimiter).filter((f) => f.length > 0);
  const file = opts.kubeconfig ?? fromEnv[0] ?? join(home, ".kube", "config");
  try {
    if (opts.kubeconfig !== undefined || fromEnv.length > 0 || existsSync(file)) {
      if (!existsSync(file)) return { ok: false, reason: "no_kubeconfig", detail: `kubeconfig ${file} does not exist (from ${opts.kubeconfig !== undefined ? "--kubeconfig" : "$KUBECONFIG"})` };
      kc.loadFromFile(file);
      // Further $KUBECONFIG files merge in as kubectl merges them (the first file's current context wins).
      if (opts.kubeconfig === undefined) {
        for (const more of fromEnv.slice(1)) {
          const next = new PooledKubeConfig();
          next.loadFromFile(more);
          kc.mergeConfig(next, true);
        }
      }
    } else if (env.KUBERNETES_SERVICE_HOST !== undefined) kc.loadFromCluster();
    else return { ok: false, reason: "no_kubeconfig", detail: `no kubeconfig: ${file} does not exist and KUBECONFIG is not set (point --kubeconfig or KUBECONFIG at one, as for kubectl)` };
    if (opts.context !== undefined) kc.setCurrentContext(opts.context);
  } catch (e) {
    return { ok: false, reason: "no_kubeconfig", detail: `cannot load kubeconfig ${file}: ${oneLine(errorText(e))}` };
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) return { ok: false, reason: "no_kubeconfig", detail: `kubeconfig ${file} has no cluster for its current context "${kc.getCurrentContext()}"` };
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
  return { ok: true, kc, server, namespace };
}
