import type { Dataset } from "./dataset.ts";

/** Splits CSV text into rows of fields (RFC 4180 quoting; blank lines skipped). */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  row.push(field);
  if (row.length > 1 || row[0] !== "") rows.push(row);
  return rows;
}

/**
 * Builds a dataset from CSV text with a header row: `target` is the column to predict, every other
 * column must be numeric. Classification targets may be any strings; regression targets must be numbers.
 */
export function datasetFromCsv(text: string, opts: { name: string; target: string; task: "classification" | "regression" }): Dataset {
  const [header, ...rows] = parseCsvRows(text);
  if (!header) throw new Error(`${opts.name}: the CSV file is empty; it needs a header row and data rows`);
  const names = header.map((h) => h.trim());
  const t = names.indexOf(opts.target);
  if (t < 0) throw new Error(`${opts.name}: no column named ${JSON.stringify(opts.target)}; columns are ${names.join(", ")}`);
  if (rows.length === 0) throw new Error(`${opts.name}: the CSV file has a header but no data rows`);
  const d = names.length - 1;
  if (d === 0) throw new Error(`${opts.name}: the only column is the target; add feature columns`);
  const x = new Float32Array(rows.length * d);
  const labels: string[] = [];
  rows.forEach((row, r) => {
    const line = r + 2;
    if (row.length !== names.length) throw new Error(`${opts.name}:${line}: has ${row.length} fields, the header has ${names.length}`);
    let j = 0;
    row.forEach((cell, c) => {
      if (c === t) return void labels.push(cell.trim());
      const v = Number(cell);
      if (cell.trim() === "" || !Number.isFinite(v)) throw new Error(`${opts.name}:${line}: column ${names[c]} is ${JSON.stringify(cell)}, not a number; feature columns must be numeric (encode categories first)`);
      x[r * d + j++] = v;
    });
  });
  const y = new Float32Array(rows.length);
  let classes: string[] = [];
  if (opts.task === "classification") {
    classes = [...new Set(labels)].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    if (classes.length < 2) throw new Error(`${opts.name}: target column ${opts.target} has only one distinct value; classification needs at least two`);
    const index = new Map(classes.map((c, i) => [c, i]));
    labels.forEach((l, i) => (y[i] = index.get(l) ?? 0));
  } else {
    labels.forEach((l, i) => {
      const v = Number(l);
      if (l === "" || !Number.isFinite(v)) throw new Error(`${opts.name}:${i + 2}: target ${opts.target} is ${JSON.stringify(l)}; regression targets must be numbers (or use task=classification)`);
      y[i] = v;
    });
  }
  return { name: opts.name, task: opts.task, n: rows.length, features: d, x, y, classes, standardize: true };
}
