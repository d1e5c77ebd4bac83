import { delimiter, join } from "node:path";
import { REPORT_KEY_ENV, trialReportKey } from "../api/report-signature.ts";
import { isResourceTemplate, substituteParams, type TrialTemplate } from "../api/template.ts";
import { trialEnv } from "../api/trial-env.ts";
import type { TrialView } from "../engine/job.ts";
import { LOCAL_NAMESPACE, LOCAL_TRIAL_UID } from "./nats-channel.ts";
import type { TuningJobSpec } from "../api/tuningjob.ts";
import type { TrialCommand } from "./trial-process.ts";
import { judgedObjective } from "../api/job-objectives.ts";

/** What a trial's command is built from: the run's options (runner.ts RunOptions) and its signing key. */
export interface TrialCommandOptions {
  job: string;
  spec: TuningJobSpec;
  cwd: string;
  env: NodeJS.ProcessEnv;
  pathDirs: string[];
  natsUrl?: string;
  dir: string;
  signingKey?: Uint8Array;
}

/**
 * The Pod template a local run starts a trial from, and where it is in the manifest: the trialTemplate
 * itself, or a batch/v1 Job's spec.template (one process per trial: completions and parallelism are a
 * cluster's business). Other kinds cannot run locally; the error names the kind.
 */
export function localPodTemplate(t: TrialTemplate): { template: { spec: { containers: { name: string; command?: string[]; args?: string[]; env?: { name: string; value?: string }[] }[] } }; at: string } {
  if (!isResourceTemplate(t)) return { template: t, at: "spec.trialTemplate" };
  const { apiVersion, kind, spec } = t.resource;
  const template = (spec as { template?: { spec?: { containers?: unknown } } }).template;
  if (apiVersion === "batch/v1" && kind === "Job" && Array.isArray(template?.spec?.containers) && template.spec.containers.length > 0) {
    return { template: template as ReturnType<typeof localPodTemplate>["template"], at: "spec.trialTemplate.resource.spec.template" };
  }
  throw new Error(
    `kubetune run cannot run ${kind} (${apiVersion}) trials: it runs a Pod template or a batch/v1 Job's Pod template as local processes, and a ${kind}'s replicas need its operator; run this job in a cluster (kubectl apply), or try the training program with a Pod trialTemplate locally`,
  );
}

/** Builds the command, arguments and environment of one trial from the job's trial template; with a `signingKey`, the trial gets its report key. */
export function trialCommand(options: TrialCommandOptions, trial: TrialView): TrialCommand {
  const local = localPodTemplate(options.spec.trialTemplate);
  const template = substituteParams(local.template, trial.params);
  const container = template.spec.containers[0];
  if (!container) throw new Error(`${local.at}.spec.containers is empty`);
  const [file, ...commandArgs] = container.command ?? [];
  if (file === undefined) {
    throw new Error(
      `${local.at}.spec.containers[0] (${container.name}) has no command; kubetune run starts the container's command as a local process, so set command (e.g. [kubetune-trainer])`,
    );
  }
  const collector = options.spec.metricsCollector;
  if (collector?.kind === "file") {
    throw new Error(`spec.metricsCollector kind file (${collector.path}) is read by a sidecar in a cluster only; kubetune run reads a trial's stdout, so use kind: stdout with format ${collector.format} to run this job locally`);
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  for (const e of trialEnv({ namespace: LOCAL_NAMESPACE, job: options.job, trial: trial.name, params: trial.params, objective: judgedObjective(options.spec).metric, natsUrl: options.natsUrl ?? "" })) {
    env[e.name] = e.value;
  }
  if (options.natsUrl === undefined) {
    delete env.KUBETUNE_NATS_URL;
    env.KUBETUNE_REPORT = "stdio";
  }
  // Never a key inherited from the shell: it would not be this trial's.
  delete env[REPORT_KEY_ENV];
  if (options.signingKey) env[REPORT_KEY_ENV] = trialReportKey(options.signingKey, { namespace: LOCAL_NAMESPACE, job: options.job, trial: trial.name, uid: LOCAL_TRIAL_UID });
  env.PATH = [...options.pathDirs, env.PATH ?? ""].filter((p) => p !== "").join(delimiter);
  return {
    trial: trial.name,
    file,
    args: [...commandArgs, ...(container.args ?? [])],
    env,
    cwd: options.cwd,
    logPath: join(options.dir, "logs", `${trial.name}.log`),
    ...(collector ? { collector } : {}),
  };
}
