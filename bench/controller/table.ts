// The benchmark's tables: figures per scenario, and the goals with met/missed.
import type { ScenarioResult } from "./scenario.ts";
import { statusBytes } from "./sizes.ts";

/** etcd's default request size limit; a stored object must stay far below it. */
export const ETCD_LIMIT_BYTES = 1.5 * 2 ** 20;
const GOAL_CREATED_PER_SECOND = 50;
const GOAL_RSS_BYTES = 300 * 2 ** 20;
const GOAL_RSS_JOBS = 200;

const f = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : "–");
const mib = (b: number): string => `${+(b / 2 ** 20).toFixed(1)} MiB`;
const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;

function markdown(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(line)].join("\n");
}

/** One row per scenario. */
export function resultsTable(rs: readonly ScenarioResult[]): string {
  return markdown(
    ["scenario (jobs × parallel / trials per job)", "API creates/s before", "trials", "jobs done", "trials created/s", "Pods/s", "apply → first Pod, median / slowest job (s)", "wall (s)", "reconciles", "reconcile p50 / p99 (s)", "queue depth max / mean", "RSS / heap peak", "CPU (cores)", "CPU ms per trial", "largest TuningJob", "largest Trial"],
    rs.map((r) => [
      `${r.jobs} × ${r.parallel} / ${r.trials}${r.timedOut ? " (timed out)" : ""}`,
      f(r.apiCreatesPerSecond, 0),
      `${r.trialsCreated}/${r.jobs * r.trials}`,
      `${r.succeeded}/${r.jobs}`,
      f(r.createdPerSecond),
      f(r.podsPerSecond),
      `${f(r.firstPodMs.median / 1000, 2)} / ${f(r.firstPodMs.max / 1000, 2)}`,
      f(r.wallSeconds),
      String(r.reconcile.count),
      `${f(r.reconcile.p50, 3)} / ${f(r.reconcile.p99, 3)}`,
      `${r.queueDepth.max} / ${f(r.queueDepth.mean)}`,
      `${mib(r.rssPeakBytes)} / ${mib(r.heapPeakBytes)}`,
      f(r.cpuCores, 2),
      f((1000 * r.cpuSeconds) / Math.max(1, r.trialsCreated)),
      kib(r.largestJobBytes),
      kib(r.largestTrialBytes),
    ]),
  );
}

/** What bounds a scenario's trial rate: the API server's measured capacity, the controller's CPU, or how fast the jobs arrived. */
export interface Ceilings {
  writesPerTrial: number;
  /** API creates/s just before ÷ API writes per trial: the trials/s that API server could take. */
  api: number;
  cpuMsPerTrial: number;
  /** 1000 ÷ controller CPU ms per trial: the trials/s one controller core could drive. */
  controllerCore: number;
  /** All the trials ÷ the seconds the bench's `kubectl apply`s took: no trial exists before its job. */
  apply: number;
  /** The lowest of the three. */
  lower: "API server" | "controller CPU" | "the bench's kubectl apply";
  /** Measured trials/s as a fraction of the lower ceiling. */
  reached: number;
}

/** Below this fraction of the lower ceiling a run was held back by something else (latency, queueing, load). */
const BOUND_FRACTION = 0.75;

/**
 * The ceilings of a run. The API one is an estimate: a ConfigMap create is cheaper for the API server
 * than a Trial or Pod create, and during the run the controller, kubelet and NATS share its cores.
 */
export function ceilings(r: ScenarioResult): Ceilings {
  const writesPerTrial = r.writesPerTrial.reduce((n, [, v]) => n + v, 0);
  const cpuMsPerTrial = (1000 * r.cpuSeconds) / Math.max(1, r.trialsCreated);
  const api = r.apiCreatesPerSecond / writesPerTrial;
  const controllerCore = 1000 / cpuMsPerTrial;
  const apply = (r.jobs * r.trials) / r.applySeconds;
  const lowest = Math.min(api, controllerCore, apply);
  const lower = lowest === api ? "API server" : lowest === controllerCore ? "controller CPU" : "the bench's kubectl apply";
  return { writesPerTrial, api, cpuMsPerTrial, controllerCore, apply, lower, reached: r.createdPerSecond / lowest };
}

/** Which limit bound a run: the lower ceiling if the run came near it, otherwise neither. */
function boundBy(c: Ceilings): string {
  return c.reached >= BOUND_FRACTION ? c.lower : `neither: ${f(100 * c.reached, 0)} % of the ${c.lower} ceiling`;
}

/** Per scenario: the rate measured against what the API server and one controller core allow. */
export function limitsTable(rs: readonly ScenarioResult[]): string {
  return markdown(
    ["scenario", "trials created/s", "API creates/s before", "API writes per trial", "API ceiling (trials/s)", "controller CPU ms per trial", "one controller core (trials/s)", "controller cores used", "apply (s)", "apply ceiling (trials/s)", "bound by"],
    rs.map((r) => {
      const c = ceilings(r);
      return [r.label, f(r.createdPerSecond), f(r.apiCreatesPerSecond, 0), f(c.writesPerTrial, 2), f(c.api), f(c.cpuMsPerTrial), f(c.controllerCore, 0), f(r.cpuCores, 2), f(r.applySeconds), f(c.apply, 0), boundBy(c)];
    }),
  );
}

/** The goals against the measured figures. */
export function goalsTable(rs: readonly ScenarioResult[]): string {
  const rows: string[][] = [];
  for (const r of rs) {
    const c = ceilings(r);
    const bound = `bound by ${boundBy(c)}; API ceiling ${f(c.api)}/s, one controller core ${f(c.controllerCore, 0)}/s`;
    rows.push([`${r.label}: trials created per second`, `≥ ${GOAL_CREATED_PER_SECOND}`, f(r.createdPerSecond), `${r.createdPerSecond >= GOAL_CREATED_PER_SECOND ? "met" : "missed"} (${bound})`]);
    rows.push([`${r.label}: trials/s one controller core drives (1000 ÷ CPU ms per trial), if the API server allows`, `≥ ${GOAL_CREATED_PER_SECOND}`, f(c.controllerCore, 0), c.controllerCore >= GOAL_CREATED_PER_SECOND ? "met" : "missed"]);
    if (r.jobs >= GOAL_RSS_JOBS) rows.push([`${r.label}: controller RSS with ${r.jobs} active jobs`, `< ${mib(GOAL_RSS_BYTES)}`, mib(r.rssPeakBytes), r.rssPeakBytes < GOAL_RSS_BYTES ? "met" : "missed"]);
    const largest = Math.max(r.largestJobBytes, r.largestTrialBytes);
    rows.push([`${r.label}: largest object (${r.jobs * r.trials} trials)`, `≪ ${mib(ETCD_LIMIT_BYTES)} (etcd)`, kib(largest), largest < ETCD_LIMIT_BYTES / 10 ? "met" : "missed"]);
  }
  const tenK = statusBytes(10_000);
  const spec = Math.max(0, ...rs.map((r) => r.largestJobBytes));
  rows.push(["10,000-trial job: TuningJob status (computed) + largest measured TuningJob", `≪ ${mib(ETCD_LIMIT_BYTES)} (etcd)`, kib(tenK.job + spec), tenK.job + spec < ETCD_LIMIT_BYTES / 10 ? "met" : "missed"]);
  rows.push(["Trial after 10,000 steps: status (computed)", `≪ ${mib(ETCD_LIMIT_BYTES)} (etcd)`, kib(tenK.trial), tenK.trial < ETCD_LIMIT_BYTES / 10 ? "met" : "missed"]);
  return markdown(["goal", "target", "measured", ""], rows);
}

/** API writes per trial, one column per scenario. */
export function writesTable(rs: readonly ScenarioResult[]): string {
  const kinds = [...new Set(rs.flatMap((r) => r.writesPerTrial.map(([k]) => k)))];
  const per = (r: ScenarioResult, k: string): number => r.writesPerTrial.find(([x]) => x === k)?.[1] ?? 0;
  kinds.sort((a, b) => rs.reduce((n, r) => n + per(r, b) - per(r, a), 0));
  const rows = kinds.map((k) => [k, ...rs.map((r) => f(per(r, k), 2))]);
  rows.push(["all writes", ...rs.map((r) => f(r.writesPerTrial.reduce((n, [, v]) => n + v, 0), 2))]);
  return markdown(["API writes per trial", ...rs.map((r) => r.label)], rows);
}

/** Status bytes at growing trial counts (and steps), from the controller's own status functions. */
export function sizesTable(counts: readonly number[]): string {
  return markdown(
    ["trials in the job (steps of the trial)", "TuningJob status", "Trial status"],
    counts.map((n) => {
      const b = statusBytes(n);
      return [String(n), `${b.job} B`, `${b.trial} B`];
    }),
  );
}
