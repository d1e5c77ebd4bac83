import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { checkLayers, formatViolation } from "./layers/rules.ts";
import { sourceFacts } from "./layers/source.ts";

/** Checks controller/src and trainer/src against the layering and size rules (docs/architecture.md); exits 1 on any violation. */
const root = join(import.meta.dirname, "..");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

const files = ["controller/src", "trainer/src"].flatMap((d) => tsFiles(join(root, d))).sort();
const violations = checkLayers(files.map((f) => sourceFacts(relative(root, f).split(sep).join("/"), readFileSync(f, "utf8"))));
for (const v of violations) console.error(formatViolation(v));
if (violations.length > 0) {
  console.error(`check:layers: ${violations.length} violation(s) in ${files.length} files; the rules are in docs/architecture.md ("Layering rules")`);
  process.exit(1);
}
console.log(`check:layers: ${files.length} files follow the layering and size rules`);
