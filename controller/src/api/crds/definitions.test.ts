import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { crdFiles, customResourceDefinitions } from "./definitions.ts";
import type { SchemaNode } from "./structural.ts";

const committed = join(import.meta.dirname, "../../../../crds");

test("the committed CRDs are exactly the generated ones (run `npm run crds` after changing the API)", () => {
  const files = crdFiles();
  assert.deepEqual(readdirSync(committed).filter((f) => f.endsWith(".yaml")).sort(), [...files.keys()].sort());
  for (const [name, text] of files) assert.equal(readFileSync(join(committed, name), "utf8"), text, name);
});

/** Walks a schema and returns the paths of nodes that break the structural-schema rules. */
function structuralViolations(node: SchemaNode, path = "$"): string[] {
  const out: string[] = [];
  for (const k of ["oneOf", "anyOf", "allOf", "not", "const", "default", "$ref", "$schema"]) {
    if (k in node) out.push(`${path}: has ${k}`);
  }
  if (node.additionalProperties === false) out.push(`${path}: additionalProperties false`);
  if (node.type === undefined && node["x-kubernetes-preserve-unknown-fields"] !== true && node["x-kubernetes-int-or-string"] !== true) {
    out.push(`${path}: no type`);
  }
  for (const [p, s] of Object.entries((node.properties as Record<string, SchemaNode>) ?? {})) out.push(...structuralViolations(s, `${path}.${p}`));
  if (node.items) out.push(...structuralViolations(node.items as SchemaNode, `${path}[]`));
  if (node.additionalProperties && typeof node.additionalProperties === "object") {
    out.push(...structuralViolations(node.additionalProperties as SchemaNode, `${path}{}`));
  }
  return out;
}

test("the schemas are structural", () => {
  for (const crd of customResourceDefinitions()) {
    const version = (crd.spec as { versions: { schema: { openAPIV3Schema: SchemaNode } }[] }).versions[0]!;
    assert.deepEqual(structuralViolations(version.schema.openAPIV3Schema), [], (crd.metadata as { name: string }).name);
  }
});

test("names, short names, printer columns and the status subresource", () => {
  const [tj, tr] = customResourceDefinitions() as { spec: { names: { shortNames: string[]; kind: string }; versions: { subresources: unknown; additionalPrinterColumns: { name: string }[] }[] } }[];
  assert.equal(tj?.spec.names.kind, "TuningJob");
  assert.deepEqual(tj?.spec.names.shortNames, ["tj"]);
  assert.deepEqual(tr?.spec.names.shortNames, ["tr"]);
  assert.deepEqual(tj?.spec.versions[0]?.subresources, { status: {} });
  assert.deepEqual(tj?.spec.versions[0]?.additionalPrinterColumns.map((c) => c.name), ["Phase", "Trials", "Best", "Front", "Algorithm", "Reason", "Age"]);
  assert.deepEqual(tj?.spec.versions[0]?.additionalPrinterColumns.find((c) => c.name === "Front"), { name: "Front", type: "integer", jsonPath: ".status.paretoFrontSize", description: "Multi-objective jobs: trials on the Pareto front" });
});

test("kubectl get trials shows the value compactly (a string, as number columns print every digit) and why a trial ended", () => {
  const tr = customResourceDefinitions()[1] as { spec: { versions: { additionalPrinterColumns: { name: string; type: string; jsonPath: string; priority?: number }[] }[] } };
  const columns = tr.spec.versions[0]?.additionalPrinterColumns ?? [];
  assert.deepEqual(columns.map((c) => c.name), ["Phase", "Value", "Step", "Feasible", "Attempts", "Age", "Reason"]);
  assert.equal(columns.find((c) => c.name === "Feasible")?.priority, 1, "only with -o wide: most jobs have no constraints");
  assert.deepEqual(columns.find((c) => c.name === "Value"), { name: "Value", type: "string", jsonPath: ".status.valueText", description: "Objective value, 4 significant digits (status.value has them all)" });
  assert.equal(columns.find((c) => c.name === "Reason")?.priority ?? 0, 0, "shown without -o wide");
});

test("cross-field rules travel to the API server as CEL", () => {
  const text = [...crdFiles().values()].join("\n");
  for (const message of ["parameter names must be unique", "max must be greater than min", "parallelTrials must not exceed maxTrials", "grid search needs a step on every double parameter"]) {
    assert.ok(text.includes(message), message);
  }
});
