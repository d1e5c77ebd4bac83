/** A JSON Schema node as zod emits it and a CRD's OpenAPI v3 schema accepts it (a plain JSON object). */
export type SchemaNode = { [key: string]: unknown };

const isNode = (v: unknown): v is SchemaNode => v !== null && typeof v === "object" && !Array.isArray(v);

/** Keywords that a CRD's structural schema allows; everything else zod emits is dropped. */
const KEEP = new Set([
  "type", "format", "description", "enum", "properties", "required", "items", "additionalProperties",
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
  "minItems", "maxItems", "nullable",
  "x-kubernetes-validations", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
  "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-embedded-resource",
]);

/**
 * Rewrites zod's JSON Schema into a Kubernetes structural schema: unions of objects are merged into one
 * object (their cross-field rules travel as CEL), literal consts become enums, defaults are dropped
 * (the controller applies them through zod), and fields whose type differs between variants keep
 * their values untyped via x-kubernetes-preserve-unknown-fields.
 */
export function toStructural(node: SchemaNode): SchemaNode {
  const variants = (node.oneOf ?? node.anyOf) as SchemaNode[] | undefined;
  if (variants) {
    const merged = variants.map(toStructural).reduce(mergeVariants);
    const rules = node["x-kubernetes-validations"];
    return withRules(merged, rules, node.description);
  }
  const out: SchemaNode = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "const") out.enum = [v];
    else if (k === "additionalProperties") {
      if (isNode(v)) out.additionalProperties = toStructural(v);
    } else if (k === "properties" && isNode(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toStructural(s as SchemaNode)]));
    } else if (k === "items" && isNode(v)) out.items = toStructural(v);
    else if (k === "maximum" && v === Number.MAX_SAFE_INTEGER) continue;
    else if (k === "minimum" && v === Number.MIN_SAFE_INTEGER) continue;
    else if (KEEP.has(k)) out[k] = v;
  }
  // An untyped map (a record of unknown or mixed values) is spelled as "keep whatever is there".
  const extra = out.additionalProperties as SchemaNode | undefined;
  if (extra && (Object.keys(extra).length === 0 || (Object.keys(extra).length === 1 && extra["x-kubernetes-preserve-unknown-fields"] === true))) {
    delete out.additionalProperties;
    out["x-kubernetes-preserve-unknown-fields"] = true;
  }
  if (out["x-kubernetes-preserve-unknown-fields"] === true && out.type === undefined && out.properties) out.type = "object";
  return out;
}

function withRules(node: SchemaNode, rules: unknown, description: unknown): SchemaNode {
  const out = { ...node };
  if (Array.isArray(rules)) out["x-kubernetes-validations"] = [...((out["x-kubernetes-validations"] as unknown[]) ?? []), ...rules];
  if (typeof description === "string") out.description = description;
  return out;
}

/** Merges two variants of a union into the loosest single schema that accepts both. */
function mergeVariants(a: SchemaNode, b: SchemaNode): SchemaNode {
  if (a.type === "object" && b.type === "object") {
    const props: Record<string, SchemaNode> = { ...((a.properties as Record<string, SchemaNode>) ?? {}) };
    for (const [k, s] of Object.entries((b.properties as Record<string, SchemaNode>) ?? {})) {
      props[k] = props[k] ? mergeVariants(props[k], s) : s;
    }
    const reqA = new Set((a.required as string[]) ?? []);
    const required = ((b.required as string[]) ?? []).filter((r) => reqA.has(r));
    const rules = [...((a["x-kubernetes-validations"] as unknown[]) ?? []), ...((b["x-kubernetes-validations"] as unknown[]) ?? [])];
    const out: SchemaNode = { type: "object", properties: props };
    if (required.length > 0) out.required = required;
    if (rules.length > 0) out["x-kubernetes-validations"] = rules;
    return out;
  }
  if (a.type === b.type && a.type === "array") {
    const out: SchemaNode = { type: "array", items: mergeVariants(a.items as SchemaNode, b.items as SchemaNode), ...loosest(a, b, "maxItems") };
    for (const k of ["minItems", "x-kubernetes-list-type"]) if (a[k] !== undefined && a[k] === b[k]) out[k] = a[k];
    return out;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return a;
  if (a.type === b.type) {
    const out: SchemaNode = { type: a.type };
    if (Array.isArray(a.enum) && Array.isArray(b.enum)) out.enum = [...new Set([...a.enum, ...b.enum])];
    if (a.description ?? b.description) out.description = a.description ?? b.description;
    return out;
  }
  if ((a.type === "integer" && b.type === "number") || (a.type === "number" && b.type === "integer")) return { type: "number" };
  return { "x-kubernetes-preserve-unknown-fields": true };
}

function loosest(a: SchemaNode, b: SchemaNode, key: string): SchemaNode {
  const va = a[key];
  const vb = b[key];
  if (typeof va === "number" && typeof vb === "number") return { [key]: Math.max(va, vb) };
  return {};
}
