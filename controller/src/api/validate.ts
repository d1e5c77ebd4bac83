import { isMap, isScalar, isSeq, parseAllDocuments, type Document } from "yaml";
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

/** An unquoted scalar: where, as written, and what YAML 1.2 (kubetune) and YAML 1.1 (kubectl) read it as. */
interface PlainScalar {
  source: string;
  v12: unknown;
  v11: unknown;
}

/** Every unquoted scalar of a document by its path (spec.parameters[0].name), with both readings. */
function plainScalars(doc: Document.Parsed, doc11: Document.Parsed | undefined): Map<string, PlainScalar> {
  const out = new Map<string, PlainScalar>();
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) if (isScalar(pair.key)) walk(pair.value, [...path, String(pair.key.value)]);
    } else if (isSeq(node)) node.items.forEach((n, i) => walk(n, [...path, i]));
    else if (isScalar(node) && node.type === "PLAIN") out.set(formatPath(path), { source: String(node.source), v12: node.value, v11: doc11?.getIn(path) });
  };
  walk(doc.contents, []);
  return out;
}

/** A YAML value as a sentence says it: the boolean true, null, the number 493. */
const said = (v: unknown): string => (typeof v === "boolean" ? `the boolean ${v}` : typeof v === "number" ? `the number ${v}` : JSON.stringify(v));

/**
 * The problems of a document as kubetune reads it (YAML 1.2) and as kubectl does (YAML 1.1, where an
 * unquoted y, yes, no, on, off is a boolean): a manifest that only kubetune accepts would be refused
 * by `kubectl apply`, so both readings must pass. Unquoted booleans and nulls get a hint to quote them.
 */
function problemsBothWays(doc: Document.Parsed, doc11: Document.Parsed | undefined, index: number): DocumentResult {
  const r = validateObject(doc.toJS(), index);
  const scalars = plainScalars(doc, doc11);
  const problems = r.problems.map((p) => {
    const s = scalars.get(p.path);
    return s && (s.v12 === null || typeof s.v12 === "boolean") ? { path: p.path, message: `${p.message} (the unquoted ${s.source || "empty value"} is ${said(s.v12)}; write "${s.source}" in quotes for the string)` } : p;
  });
  if (doc11) {
    const seen = new Set(r.problems.map((p) => p.path));
    const only11 = validateObject(doc11.toJS(), index).problems.filter((p) => !seen.has(p.path));
    const causes = only11.flatMap((p) => {
      const s = scalars.get(p.path);
      return s && typeof s.v12 === "string" && typeof s.v11 !== "string" ? [{ path: p.path, message: `the unquoted ${s.source} is ${said(s.v11)} to kubectl (YAML 1.1), so kubectl apply would refuse it (${p.message}); write "${s.source}" in quotes` }] : [];
    });
    // Problems that follow from a misread scalar (a ${params.y} whose parameter became true) would only repeat it.
    problems.push(...(causes.length > 0 ? causes : only11.map((p) => ({ path: p.path, message: `as kubectl reads it (YAML 1.1): ${p.message}` }))));
  }
  return { ...r, problems };
}

/** Validates every document of a YAML text; syntax errors are reported with their line. */
export function validateYaml(text: string): DocumentResult[] {
  const docs = parseAllDocuments(text);
  const docs11 = parseAllDocuments(text, { version: "1.1" });
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
    const d11 = Array.isArray(docs11) ? docs11[index] : undefined;
    results.push(problemsBothWays(d, d11 && d11.errors.length === 0 ? d11 : undefined, index));
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
