import { createOptimizer } from "./controller/src/engine/search/index.ts";
import { PROBLEMS } from "./bench/search/functions.ts";
const p = PROBLEMS.find((q) => q.name === "mixed-mlp")!;
const settings = JSON.parse(process.env.TPE_SETTINGS ?? "{}");
const agg: Record<string, number[]> = {};
for (let seed = 0; seed < 40; seed++) {
  const opt = createOptimizer({ parameters: p.parameters, objective: { metric: "f", direction: "minimize" }, algorithm: { name: "tpe", settings }, seed });
  let best = Infinity; let bp: Record<string, unknown> = {};
  for (let t = 0; t < 100; t++) { const [s] = await opt.ask(1); const v = p.evaluate(s!.params); opt.tell({ id: s!.id, value: v }); if (v < best) { best = v; bp = s!.params; } }
  const key = `${bp.optimizer}/${bp.activation}`;
  (agg[key] ??= []).push(best);
  const lr = Math.log10(Number(bp.lr));
  console.log(seed, best.toFixed(4), key, "loglr", lr.toFixed(2), "batch", bp.batch, "layers", bp.layers, "drop", bp.dropout);
}
for (const [k, v] of Object.entries(agg)) console.log(k, v.length, (v.reduce((a, b) => a + b, 0) / v.length).toFixed(4));
