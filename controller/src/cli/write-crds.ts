import { mkdirSync, writeFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { crdFiles } from "../api/crds/definitions.ts";

/** The committed CRDs (never hand-edited). */
export const CRD_DIR = join(import.meta.dirname, "../../../crds");
/** The Helm chart's CRD folder (Helm installs crds/*.yaml before the templates). */
export const CHART_CRD_DIR = join(import.meta.dirname, "../../../charts/kubetune/crds");

/** Writes the CRDs generated from the zod API into `dir`, removing CRDs that no longer exist. */
function writeCrds(dir: string, label: string): void {
  mkdirSync(dir, { recursive: true });
  const files = crdFiles();
  for (const old of readdirSync(dir)) if (old.endsWith(".yaml") && !files.has(old)) rmSync(join(dir, old));
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  console.log(`wrote ${files.size} CRDs to ${label}`);
}

// Only when run as a script (`npm run crds`, the only way the CRDs may change), so the test can import the paths.
if (import.meta.main) {
  writeCrds(CRD_DIR, "crds/");
  writeCrds(CHART_CRD_DIR, "charts/kubetune/crds/");
}
