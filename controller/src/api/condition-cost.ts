import type { ASTNode } from "@marcbachmann/cel-js";

/** Comprehensions whose result is a bool: their cost is the list they range over, once. */
const TESTS = new Set(["all", "exists", "exists_one"]);
/** Macros and functions refused in a condition, and why. */
const REFUSED: Record<string, string> = {
  map: "builds a new list (chained, a list can double at each step)",
  filter: "builds a new list (chained, a list can double at each step)",
  bind: "names a value to reuse (reused, a value can double at each step)",
  matches: "runs a JavaScript regular expression, which can backtrack exponentially; use startsWith, endsWith or contains",
};

function isNode(v: unknown): v is ASTNode {
  return typeof v === "object" && v !== null && "op" in v && "args" in v;
}

/** The AST nodes among a node's arguments (map entries are pairs of nodes). */
function children(args: unknown): ASTNode[] {
  if (isNode(args)) return [args];
  return Array.isArray(args) ? args.flatMap(children) : [];
}

/**
 * Why a condition's evaluation cost could grow faster than the object it reads, or undefined when it
 * cannot: the controller evaluates it on its own event loop at every reconcile, with no cost budget. So
 * comprehensions are all/exists/exists_one, not nested, and their bodies read only their variable.
 */
export function conditionCostProblem(ast: ASTNode): string | undefined {
  const walk = (node: ASTNode, inBody: string | undefined): string | undefined => {
    if (node.op === "id") return inBody !== undefined && node.args === "object" ? `reads object inside ${inBody}(), whose body runs once per element; use only its variable and literals there` : undefined;
    if (node.op === "call" || node.op === "rcall") {
      const name = node.args[0];
      const why = REFUSED[name];
      if (why !== undefined) return `uses ${name}(), which ${why}; a condition tests lists with all, exists or exists_one`;
      if (node.op === "rcall" && TESTS.has(name)) {
        if (inBody !== undefined) return `nests ${name}() inside another comprehension (${inBody}()), which multiplies their costs; test one list per comprehension`;
        const [, target, [variable, body]] = node.args;
        return walk(target, undefined) ?? (variable ? walk(variable, name) : undefined) ?? (body ? walk(body, name) : undefined);
      }
    }
    for (const child of children(node.args)) {
      const problem = walk(child, inBody);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
  return walk(ast, undefined);
}
