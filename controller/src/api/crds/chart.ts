import { mkdirSync, writeFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { crdFiles } from "./definitions.ts";

/** The Helm chart's CRD folder (Helm installs crds/*.yaml before the templates). */
export const CHART_CRD_DIR = join(import.meta.dirname, "../../../../charts/kubetune/crds");

/** Writes the generated CRDs into charts/kubetune/crds/, from the same source as crds/. */
function main(): void {
  mkdirSync(CHART_CRD_DIR, { recursive: true });
  const files = crdFiles();
  for (const old of readdirSync(CHART_CRD_DIR)) if (old.endsWith(".yaml") && !files.has(old)) rmSync(join(CHART_CRD_DIR, old));
  for (const [name, text] of files) writeFileSync(join(CHART_CRD_DIR, name), text);
  console.log(`wrote ${files.size} CRDs to charts/kubetune/crds/`);
}

// Only when run as a script, so the test can import CHART_CRD_DIR without writing anything.
if (import.meta.main) main();
