import { posix } from "node:path";
import type { SourceFacts } from "./source.ts";

/** One broken rule: where, what, and why the rule exists. */
export interface Violation {
  path: string;
  line: number;
  what: string;
  why: string;
}

const SRC = "controller/src/";
/** Longest file under controller/src (tests aside), in lines. */
export const MAX_FILE_LINES = 300;
/** Longest function under controller/src (tests aside), in lines. */
export const MAX_FUNCTION_LINES = 120;

/** Node built-ins that do I/O; the pure layers may not import them. */
const IO_BUILTINS = new Set(["fs", "fs/promises", "net", "http", "https", "http2", "child_process", "dgram", "tls"]);
/** npm scopes that talk to NATS or Kubernetes. */
const IO_SCOPES = ["@nats-io/", "@kubernetes/"];
/** What the trainer SDK may take from the controller: the wire protocol. */
const TRAINER_MAY_IMPORT = new Set([`${SRC}api/metrics.ts`, `${SRC}api/report-signature.ts`]);

/** An import target: a file of this repository (path from its root) or a package (npm or node built-in). */
type Target = { kind: "file"; path: string } | { kind: "package"; name: string };

function targetOf(from: string, specifier: string): Target {
  if (specifier.startsWith(".")) return { kind: "file", path: posix.normalize(posix.join(posix.dirname(from), specifier)) };
  return { kind: "package", name: specifier.replace(/^node:/, "") };
}

/** The folder of controller/src a path lies in (`api`, `kube`, …), "" for a file directly in it, undefined outside. */
function areaOf(path: string): string | undefined {
  if (!path.startsWith(SRC)) return undefined;
  const rest = path.slice(SRC.length);
  const slash = rest.indexOf("/");
  return slash === -1 ? "" : rest.slice(0, slash);
}

/** A layer's import rule: which areas of controller/src it may (or may not) import, and whether it must stay free of I/O. */
interface LayerRule {
  allowed?: readonly string[];
  forbidden?: readonly string[];
  /** Files outside `allowed` areas it may still import. */
  allowedFiles?: readonly string[];
  pure?: boolean;
  why: string;
}

const LAYERS: Record<string, LayerRule> = {
  api: {
    allowed: ["api"],
    pure: true,
    why: "api/ is the wire protocol and the schema the CRDs are generated from; every layer depends on it, so it depends on no other layer and does no I/O",
  },
  engine: {
    allowed: ["api", "engine"],
    pure: true,
    why: "the engine is the pure, seeded core (events in, actions out): it may use the API and nothing that does I/O, so it is testable and reusable from every shell",
  },
  telemetry: {
    allowed: ["telemetry", "api"],
    why: "telemetry is a leaf that every shell uses; importing a shell would make the layers circular",
  },
  ingest: {
    allowed: ["api", "engine", "telemetry", "ingest"],
    allowedFiles: [`${SRC}backoff.ts`],
    why: "reports flow one way: ingest hands them to the controller's jobs through the MetricsTarget port it defines, and never imports kube/, local/ or cli/",
  },
  collect: {
    allowed: ["api", "telemetry", "collect"],
    // The default collector image is tagged with the package's version.
    allowedFiles: ["package.json"],
    why: "the metrics collector runs as a trial's sidecar from the controller image: its core reads lines into reports and stays free of the controller's shells (its I/O is cli/collect-command.ts)",
  },
  kube: {
    forbidden: ["local", "cli"],
    why: "the cluster controller does not depend on the local runner or on the CLI: cli/ wires the shells, not the reverse",
  },
  local: {
    forbidden: ["kube", "cli"],
    why: "the local runner drives the engine without a cluster and is wired by the CLI, not the reverse",
  },
  observe: {
    allowed: ["api", "engine", "telemetry", "kube", "local", "observe"],
    allowedFiles: [`${SRC}backoff.ts`],
    why: "observe/ reads cluster jobs (kube/'s client and objects) into a local run's results model and views (local/), read-only: it joins those two shells, so neither imports the other, and the CLI wires it, not the reverse",
  },
};

const TRAINER_WHY = "the trainer SDK is copied into trainer images with only the wire protocol (api/metrics.ts, api/report-signature.ts) beside it; anything else would be missing there";

/** The import violations of one file. */
function importViolations(file: SourceFacts): Violation[] {
  const out: Violation[] = [];
  const area = areaOf(file.path);
  if (file.path.startsWith("trainer/src/")) {
    for (const ref of file.imports) {
      const t = targetOf(file.path, ref.specifier);
      if (t.kind === "file" && t.path.startsWith("controller/") && !TRAINER_MAY_IMPORT.has(t.path)) {
        out.push({ path: file.path, line: ref.line, what: `trainer/src imports ${t.path}`, why: TRAINER_WHY });
      }
    }
    return out;
  }
  const rule = area === undefined ? undefined : LAYERS[area];
  if (!rule) return out;
  for (const ref of file.imports) {
    const t = targetOf(file.path, ref.specifier);
    if (t.kind === "package") {
      if (rule.pure && (IO_BUILTINS.has(t.name) || IO_SCOPES.some((s) => t.name.startsWith(s)))) {
        out.push({ path: file.path, line: ref.line, what: `${area}/ imports ${ref.specifier}, which does I/O`, why: rule.why });
      }
      continue;
    }
    const to = areaOf(t.path);
    if (to === undefined && !(rule.allowedFiles ?? []).includes(t.path)) {
      out.push({ path: file.path, line: ref.line, what: `${area}/ imports ${t.path}, outside controller/src`, why: rule.why });
      continue;
    }
    if (to === undefined) continue;
    const allowed = rule.allowed ? rule.allowed.includes(to) || (rule.allowedFiles ?? []).includes(t.path) : !(rule.forbidden ?? []).includes(to);
    if (!allowed) out.push({ path: file.path, line: ref.line, what: `${area}/ imports ${t.path}`, why: rule.why });
  }
  return out;
}

const SIZE_WHY = "small files and functions that do one thing: a reader locates a change in one place; split along the code's seams";

/** The size violations of one file under controller/src. */
function sizeViolations(file: SourceFacts): Violation[] {
  if (areaOf(file.path) === undefined) return [];
  const out: Violation[] = [];
  if (file.lines > MAX_FILE_LINES) out.push({ path: file.path, line: 1, what: `file has ${file.lines} lines (limit ${MAX_FILE_LINES})`, why: SIZE_WHY });
  for (const f of file.functions) {
    if (f.lines > MAX_FUNCTION_LINES) out.push({ path: file.path, line: f.line, what: `function ${f.name} spans ${f.lines} lines (limit ${MAX_FUNCTION_LINES})`, why: SIZE_WHY });
  }
  return out;
}

/** Every violation of the layering and size rules among these files (tests are exempt: they may reach any layer they test). */
export function checkLayers(files: readonly SourceFacts[]): Violation[] {
  return files.filter((f) => !f.path.endsWith(".test.ts")).flatMap((f) => [...importViolations(f), ...sizeViolations(f)]);
}

/** One line per violation, as `path:line: what (why)`. */
export function formatViolation(v: Violation): string {
  return `${v.path}:${v.line}: ${v.what} (why: ${v.why})`;
}
