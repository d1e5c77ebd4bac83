import { statSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

type Context = Parameters<KubeConfig["applySecurityAuthentication"]>[0];
type Dispatcher = NonNullable<ReturnType<Context["getDispatcher"]>>;

/** A file's identity for change detection: path and modification time (0 when unreadable). */
function fileStamp(path: string | undefined): string {
  if (!path) return "";
  try {
    return `${path}@${statSync(path).mtimeMs}`;
  } catch {
    return `${path}@0`;
  }
}

/**
 * A KubeConfig whose API clients reuse their connections. client-node 2.0 gives every request a new
 * undici Agent, i.e. a new connection and TLS handshake (≈ 20 ms of both sides' CPU with a client
 * certificate); this keeps the first Agent for as long as the server and TLS material stay the same
 * (certificate files are compared by modification time, so a rotated certificate gets a new Agent).
 */
export class PooledKubeConfig extends KubeConfig {
  private pooled: { key: string; dispatcher: Dispatcher } | undefined;

  override async applySecurityAuthentication(context: Context): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    const key = JSON.stringify([
      cluster?.server, cluster?.caData, fileStamp(cluster?.caFile), cluster?.skipTLSVerify, cluster?.tlsServerName,
      user?.certData, fileStamp(user?.certFile), user?.keyData, fileStamp(user?.keyFile),
    ]);
    if (this.pooled?.key === key) {
      // The fresh Agent was never used, so it holds nothing and is simply dropped.
      context.setDispatcher(this.pooled.dispatcher);
      return;
    }
    // New TLS material (first request, or a rotated certificate): the old Agent finishes its requests and goes.
    void this.pooled?.dispatcher.close().catch(() => undefined);
    this.pooled = { key, dispatcher: fresh };
  }
}
