import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { CHART_CRD_DIR, CRD_DIR } from "./write-crds.ts";
import { crdFiles } from "../api/crds/definitions.ts";

const fix = "run `npm run crds` to regenerate crds/ and charts/kubetune/crds/";

test("the chart's CRDs are exactly the generated ones", () => {
  const files = crdFiles();
  const inChart = readdirSync(CHART_CRD_DIR).filter((f) => f.endsWith(".yaml")).sort();
  assert.deepEqual(inChart, [...files.keys()].sort(), `charts/kubetune/crds/ holds other files than the generated CRDs; ${fix}`);
  for (const [name, text] of files) assert.equal(readFileSync(join(CHART_CRD_DIR, name), "utf8"), text, `charts/kubetune/crds/${name} differs from the zod source; ${fix}`);
});

test("the chart's CRDs equal the committed crds/ folder", () => {
  for (const name of crdFiles().keys()) assert.equal(readFileSync(join(CHART_CRD_DIR, name), "utf8"), readFileSync(join(CRD_DIR, name), "utf8"), `${name}: ${fix}`);
});
