import { readFileSync } from "node:fs";
import { validateYaml } from "../api/validate.ts";
import type { Style } from "../local/style.ts";

/** Output streams of a command, injectable for tests. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  style: Style;
  stdin(): string;
}

/** `kubetune validate <file|->...`: prints every problem with its path; returns the exit code. */
export function validateCommand(files: string[], io: Io): number {
  if (files.length === 0) {
    io.err("kubetune validate: name at least one manifest file, or - for standard input");
    return 2;
  }
  let failed = 0;
  let documents = 0;
  for (const file of files) {
    let text: string;
    try {
      text = file === "-" ? io.stdin() : readFileSync(file, "utf8");
    } catch (e) {
      io.err(`${io.style.red("✗")} ${file}: cannot read: ${(e as Error).message}`);
      failed++;
      continue;
    }
    const results = validateYaml(text);
    if (results.length === 0) {
      io.err(`${io.style.red("✗")} ${file}: holds no YAML document`);
      failed++;
      continue;
    }
    for (const r of results) {
      documents++;
      const label = `${file}${results.length > 1 ? `#${r.index + 1}` : ""}${r.kind ? ` (${r.kind}${r.name ? ` ${r.name}` : ""})` : ""}`;
      if (r.problems.length === 0) {
        io.out(`${io.style.green("✓")} ${label}`);
        continue;
      }
      failed++;
      io.err(`${io.style.red("✗")} ${label}: ${r.problems.length} problem${r.problems.length > 1 ? "s" : ""}`);
      for (const p of r.problems) io.err(`    ${p.path ? `${io.style.bold(p.path)}: ` : ""}${p.message}`);
    }
  }
  if (failed > 0) io.err(io.style.red(`${failed} of ${Math.max(documents, files.length)} invalid`));
  return failed > 0 ? 1 : 0;
}
