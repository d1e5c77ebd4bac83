import { parseAllDocuments } from "yaml";
import type { z } from "zod";
import { TuningJob } from "./tuningjob.ts";
import { Trial } from "./trial.ts";
import { GROUP_VERSION } from "./meta.ts";

/** One problem in a manifest: where (a dotted path like spec.parameters[2].max) and what. */
export interface Problem {
  path: string;
  message: string;
}

/** The outcome of validating one YAML document. */
export interface DocumentResult {
  /** 0-based position of the document in its file. */
  index: number;
  kind: string;
  name: string;
  problems: Problem[];
}

/** Formats a zod issue path the way kubectl users read it: spec.parameters[2].max. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Turns zod issues into problems, keeping one message per path and expanding union errors. */
export function problemsOf(error: z.ZodError): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const issue of error.issues) {
    const path = formatPath(issue.path);
    const message = issue.code === "unrecognized_keys" ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}` : issue.message;
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}

/** Validates a parsed object as a TuningJob or Trial, chosen by its kind. */
export function validateObject(doc: unknown, index = 0): DocumentResult {
  const obj = (doc ?? {}) as Record<string, unknown>;
  const kind = typeof obj.kind === "string" ? obj.kind : "";
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === "string" ? meta.name : "";
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return { index, kind, name, problems: [{ path: "", message: "must be a YAML mapping (a Kubernetes object)" }] };
  }
  const schema = kind === "TuningJob" ? TuningJob : kind === "Trial" ? Trial : null;
  if (!schema) {
    return { index, kind, name, problems: [{ path: "kind", message: `must be "TuningJob" or "Trial" (apiVersion ${GROUP_VERSION}), got ${JSON.stringify(obj.kind ?? null)}` }] };
  }
  const parsed = schema.safeParse(doc);
  return { index, kind, name, problems: parsed.success ? [] : problemsOf(parsed.error) };
}

/** Validates every document of a YAML text; syntax errors are reported with their line. */
export function validateYaml(text: string): DocumentResult[] {
  const docs = parseAllDocuments(text);
  const results: DocumentResult[] = [];
  docs.forEach((d, index) => {
    if (d.errors.length > 0) {
      results.push({
        index,
        kind: "",
        name: "",
        problems: d.errors.map((e) => ({ path: `line ${(e.linePos?.[0]?.line ?? 0).toString()}`, message: e.message.split("\n")[0] ?? e.message })),
      });
      return;
    }
    const value: unknown = d.toJS();
    if (value === null || value === undefined) return;
    results.push(validateObject(value, index));
  });
  return results;
}

/** Parses the single TuningJob a file must hold, or throws an error listing every problem. */
export function parseTuningJob(text: string, source: string): TuningJob {
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  const results = validateYaml(text);
  const bad = results.filter((r) => r.problems.length > 0);
  if (bad.length > 0) throw new ManifestError(source, bad);
  const jobs = docs.map((d) => d.toJS() as unknown).filter((v) => (v as { kind?: unknown }).kind === "TuningJob");
  if (jobs.length !== 1) {
    throw new ManifestError(source, [{ index: 0, kind: "", name: "", problems: [{ path: "", message: `must contain exactly one TuningJob, found ${jobs.length}` }] }]);
  }
  return TuningJob.parse(jobs[0]);
}

/** A manifest that failed validation; its message lists every problem with its path. */
export class ManifestError extends Error {
  readonly results: DocumentResult[];
  constructor(source: string, results: DocumentResult[]) {
    super(`${source} is not a valid manifest:\n${results.flatMap((r) => r.problems.map((p) => `  ${p.path ? `${p.path}: ` : ""}${p.message}`)).join("\n")}`);
    this.name = "ManifestError";
    this.results = results;
  }
}
