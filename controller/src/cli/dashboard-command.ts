import { parseArgs } from "node:util";
import { z } from "zod";
import type { Io } from "./validate-command.ts";

const USAGE = "usage: kubetune dashboard [--namespace N] [--port P] [--address 127.0.0.1] [--kubeconfig FILE] [--context NAME]";

const Flags = z.object({
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: "--namespace must be a namespace name (a DNS label)" }).optional(),
  port: z.coerce.number({ error: "--port must be a port number (0 picks a free one)" }).int({ error: "--port must be a port number (0 picks a free one)" }).min(0).max(65535, { error: "--port must be at most 65535" }).default(8765),
  address: z.string().min(1).default("127.0.0.1"),
  kubeconfig: z.string().optional(),
  context: z.string().optional(),
});

/**
 * `kubetune dashboard`: serves a read-only web page of one namespace's TuningJobs, kept live by watches,
 * with the user's kubeconfig and RBAC (like kubectl proxy); runs until `signal` aborts.
 */
export async function dashboardCommand(argv: string[], io: Io, signal: AbortSignal): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { help: { type: "boolean", short: "h" }, namespace: { type: "string", short: "n" }, port: { type: "string", short: "p" }, address: { type: "string" }, kubeconfig: { type: "string" }, context: { type: "string" } },
    });
  } catch (e) {
    io.err(`kubetune dashboard: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(`${USAGE}\n\nServes a live, read-only view of the namespace's TuningJobs (default: the kubeconfig context's namespace)\nwith your kubeconfig and RBAC, on 127.0.0.1:8765 unless --address/--port say otherwise (port 0 picks a free one).`);
    return 0;
  }
  const { help: _help, ...values } = parsed.values;
  const flags = Flags.safeParse(values);
  if (!flags.success) {
    io.err(`kubetune dashboard: ${flags.error.issues.map((i) => i.message).join("; ")}\n${USAGE}`);
    return 2;
  }
  const f = flags.data;
  // Loaded on demand: the other commands never load the Kubernetes client.
  const { loadKubeConfig } = await import("../observe/kubeconfig-load.ts");
  const { watchNamespace } = await import("../observe/dashboard-source.ts");
  const { startDashboard } = await import("../observe/dashboard-server.ts");
  const config = loadKubeConfig({ ...(f.kubeconfig !== undefined ? { kubeconfig: f.kubeconfig } : {}), ...(f.context !== undefined ? { context: f.context } : {}) });
  if (!config.ok) {
    io.err(`${io.style.red("✗")} ${config.detail}`);
    return 1;
  }
  const namespace = f.namespace ?? config.namespace;
  const source = watchNamespace(config.kc, namespace, (line) => io.err(line));
  let dashboard;
  try {
    dashboard = await startDashboard(source, { host: f.address, port: f.port });
  } catch (e) {
    await source.stop();
    io.err(`${io.style.red("✗")} cannot listen on ${f.address}:${f.port}: ${(e as Error).message}`);
    return 1;
  }
  io.out(`kubetune dashboard: TuningJobs in namespace "${namespace}" of ${config.server} at ${dashboard.url} (read-only; Ctrl-C stops it)`);
  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  await dashboard.close();
  await source.stop();
  return 0;
}
