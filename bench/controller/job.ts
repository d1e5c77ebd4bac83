// The TuningJobs of a scenario: random search over two parameters, trials on the process kubelet's
// builtin synthetic container (a few reports, then exit 0), so only the controller's own work is measured.
import { stringify } from "yaml";

/** How a scenario's jobs look. */
export interface JobShape {
  /** Trials of one job in all (maxTrials). */
  trials: number;
  /** Trials of one job at once (parallelTrials). */
  parallel: number;
  /** Reports each synthetic trial publishes, and the pause before each. */
  steps: number;
  intervalMs: number;
  /** What a trial is: a bare Pod, or a batch/v1 Job whose Pod the Job controller makes (trialTemplate.resource). */
  trialKind?: "pod" | "job";
}

/** The trial template of a shape: the synthetic container's Pod template, bare or inside a Job. */
function trialTemplate(shape: JobShape): Record<string, unknown> {
  const pod = {
    spec: {
      restartPolicy: "Never",
      containers: [{ name: "trainer", image: "kubetune/synthetic", args: [`--steps=${shape.steps}`, `--interval-ms=${shape.intervalMs}`] }],
    },
  };
  return shape.trialKind === "job" ? { resource: { apiVersion: "batch/v1", kind: "Job", spec: { backoffLimit: 0, template: pod } } } : pod;
}

/** A multi-document YAML with `count` TuningJobs named `<prefix>-<i>`, i from `first`. */
export function jobsManifest(prefix: string, count: number, shape: JobShape, first = 0): string {
  const docs = Array.from({ length: count }, (_, k) => first + k).map((i) => stringify({
    apiVersion: "kubetune.io/v1alpha1",
    kind: "TuningJob",
    metadata: { name: `${prefix}-${i}` },
    spec: {
      objective: { metric: "val_loss", direction: "minimize" },
      parameters: [
        { name: "learningRate", type: "double", min: 0.0001, max: 0.3, scale: "log" },
        { name: "units", type: "int", min: 8, max: 512 },
      ],
      search: { algorithm: "random", seed: i },
      budget: { maxTrials: shape.trials, parallelTrials: shape.parallel, maxFailedTrials: shape.trials },
      trialTemplate: trialTemplate(shape),
    },
  }));
  return docs.join("---\n");
}
