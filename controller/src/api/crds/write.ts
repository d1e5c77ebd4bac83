import { mkdirSync, writeFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { crdFiles } from "./definitions.ts";

/** Writes the generated CRDs into crds/ (the only way they may change). */
function main(): void {
  const dir = join(import.meta.dirname, "../../../../crds");
  mkdirSync(dir, { recursive: true });
  const files = crdFiles();
  for (const old of readdirSync(dir)) if (old.endsWith(".yaml") && !files.has(old)) rmSync(join(dir, old));
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  console.log(`wrote ${files.size} CRDs to crds/`);
}

main();
