import ts from "typescript";

/** One module specifier a file imports or re-exports, with the 1-based line it is written on. */
export interface ImportRef {
  specifier: string;
  line: number;
}

/** One function, method or arrow function, with the 1-based lines it spans. */
export interface FunctionSpan {
  name: string;
  line: number;
  lines: number;
}

/** What the layering rules need to know about one source file. */
export interface SourceFacts {
  /** Path from the repository root, with `/` separators. */
  path: string;
  /** Lines in the file, as `wc -l` counts them. */
  lines: number;
  imports: ImportRef[];
  functions: FunctionSpan[];
}

const lineOf = (sf: ts.SourceFile, pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;

/** A name for a function node that a reader can find: its own name, or the variable or property it is assigned to. */
function nameOf(node: ts.FunctionLikeDeclaration): string {
  if (node.name && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name) || ts.isPrivateIdentifier(node.name))) return node.name.text;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isCallExpression(parent) && ts.isIdentifier(parent.expression)) return `callback of ${parent.expression.text}`;
  return "anonymous function";
}

/** Parses a TypeScript file (no type checking, no file system) and collects its imports, size and functions. */
export function sourceFacts(path: string, text: string): SourceFacts {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports: ImportRef[] = [];
  const functions: FunctionSpan[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      imports.push({ specifier: node.moduleSpecifier.text, line: lineOf(sf, node.getStart(sf)) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) imports.push({ specifier: arg.text, line: lineOf(sf, node.getStart(sf)) });
    } else if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const first = lineOf(sf, fn.getStart(sf));
      functions.push({ name: nameOf(fn), line: first, lines: lineOf(sf, fn.getEnd()) - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const newlines = text.split("\n").length - 1;
  return { path, lines: text.endsWith("\n") || text === "" ? newlines : newlines + 1, imports, functions };
}
