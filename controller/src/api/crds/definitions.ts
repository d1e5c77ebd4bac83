import { z } from "zod";
import { stringify } from "yaml";
import { API_GROUP, API_VERSION } from "../meta.ts";
import { TuningJobSpec, TuningJobStatus } from "../tuningjob.ts";
import { TrialSpec, TrialStatus } from "../trial.ts";
import { JOB_NAME_RULES } from "../meta.ts";
import { WARM_START_RULES } from "../warm-start.ts";
import { toStructural, type SchemaNode } from "./structural.ts";

function openapi(schema: z.ZodType): SchemaNode {
  return toStructural(z.toJSONSchema(schema, { target: "openapi-3.0", io: "input", unrepresentable: "any" }) as SchemaNode);
}

interface Kind {
  kind: string;
  plural: string;
  shortName: string;
  spec: z.ZodType;
  status: z.ZodType;
  rootRules: unknown[];
  columns: { name: string; type: string; jsonPath: string; description: string; priority?: number }[];
}

const KINDS: Kind[] = [
  {
    kind: "TuningJob",
    plural: "tuningjobs",
    shortName: "tj",
    spec: TuningJobSpec,
    status: TuningJobStatus,
    rootRules: [...JOB_NAME_RULES, ...WARM_START_RULES],
    columns: [
      { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Pending, Running, Succeeded or Failed" },
      { name: "Trials", type: "string", jsonPath: ".status.progress", description: "Finished trials / maxTrials" },
      { name: "Best", type: "number", jsonPath: ".status.bestTrial.value", description: "Best objective value so far" },
      { name: "Front", type: "integer", jsonPath: ".status.paretoFrontSize", description: "Multi-objective jobs: trials on the Pareto front" },
      { name: "Algorithm", type: "string", jsonPath: ".spec.search.algorithm", description: "Search algorithm", priority: 1 },
      { name: "Reason", type: "string", jsonPath: ".status.reason", description: "Why the job ended", priority: 1 },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "Time since creation" },
    ],
  },
  {
    kind: "Trial",
    plural: "trials",
    shortName: "tr",
    spec: TrialSpec,
    status: TrialStatus,
    rootRules: [],
    columns: [
      { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Pending, Running, Succeeded, Failed or EarlyStopped" },
      { name: "Value", type: "string", jsonPath: ".status.valueText", description: "Objective value, 4 significant digits (status.value has them all)" },
      { name: "Step", type: "integer", jsonPath: ".status.lastStep", description: "Last reported step" },
      { name: "Feasible", type: "boolean", jsonPath: ".status.feasible", description: "Jobs with constraints: whether the trial met them", priority: 1 },
      { name: "Attempts", type: "integer", jsonPath: ".status.attempts", description: "Attempts so far (retries after infrastructure failures)" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "Time since creation" },
      // Last: the reason is a sentence (the stopping rule's verdict), so it goes where its length pushes nothing aside.
      { name: "Reason", type: "string", jsonPath: ".status.reason", description: "Why it ended (failed, stopped early)" },
    ],
  },
];

/** Builds the CustomResourceDefinition objects from the zod schemas. */
export function customResourceDefinitions(): SchemaNode[] {
  return KINDS.map((k) => {
    const root: SchemaNode = {
      type: "object",
      required: ["spec"],
      properties: {
        apiVersion: { type: "string" },
        kind: { type: "string" },
        metadata: { type: "object" },
        spec: openapi(k.spec),
        status: openapi(k.status),
      },
    };
    if (k.rootRules.length > 0) root["x-kubernetes-validations"] = k.rootRules;
    return {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `${k.plural}.${API_GROUP}`, labels: { "app.kubernetes.io/part-of": "kubetune" } },
      spec: {
        group: API_GROUP,
        scope: "Namespaced",
        names: { kind: k.kind, listKind: `${k.kind}List`, plural: k.plural, singular: k.kind.toLowerCase(), shortNames: [k.shortName], categories: ["kubetune"] },
        versions: [
          {
            name: API_VERSION,
            served: true,
            storage: true,
            subresources: { status: {} },
            additionalPrinterColumns: k.columns,
            schema: { openAPIV3Schema: root },
          },
        ],
      },
    };
  });
}

const HEADER = "# Generated from controller/src/api by `npm run crds`. Do not edit by hand.\n";

/** The CRDs as YAML files: file name → content. */
export function crdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const crd of customResourceDefinitions()) {
    const name = (crd.metadata as { name: string }).name;
    files.set(`${name}.yaml`, HEADER + stringify(crd, { lineWidth: 0 }));
  }
  return files;
}

/** All CRDs as one multi-document YAML stream (for `kubetune crds | kubectl apply -f -`). */
export function crdStream(): string {
  return [...crdFiles().values()].join("---\n");
}
