import type { Parameter } from "../api/parameters.ts";
import type { Results, TrialResult } from "./results.ts";
import { formatNumber, formatObjective, formatParams } from "./views.ts";
import { isMultiObjective, judgedObjective } from "../api/job-objectives.ts";
import { frontCard, frontSection, outcomeCell } from "./front-html.ts";
import { importanceHtml } from "./importance-html.ts";

const COLORS = { succeeded: "#2b7bba", earlyStopped: "#e08a1e", failed: "#c0392b", best: "#1a9850", running: "#888" } as const;

/** Escapes text for HTML and SVG (element content and quoted attribute values). */
export function esc(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** A linear or log scale from a data domain onto a pixel range. */
function scale(lo: number, hi: number, from: number, to: number, log = false): (v: number) => number {
  const f = log ? Math.log10 : (v: number) => v;
  const a = f(lo);
  const b = f(hi);
  const span = b - a || 1;
  return (v) => from + ((f(v) - a) / span) * (to - from);
}

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, log = false): number[] {
  if (log && lo > 0) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      const v = 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
    return out.length >= 2 ? out : [lo, hi];
  }
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? mag * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number.parseFloat(v.toPrecision(12)));
  return out;
}

/** Pads a domain so points do not sit on the frame. */
function domain(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
  return [lo - pad, hi + pad];
}

const W = 640;
const H = 300;
const M = { l: 64, r: 16, t: 16, b: 40 };

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  svg: string[];
}

/** Draws axes with ticks and labels and returns the scales for plotting inside them. */
function frame(xd: [number, number], yd: [number, number], xLabel: string, yLabel: string, opts: { xLog?: boolean; xTicks?: { v: number; label: string }[]; w?: number; h?: number } = {}): Frame {
  const w = opts.w ?? W;
  const h = opts.h ?? H;
  const x = scale(xd[0], xd[1], M.l, w - M.r, opts.xLog);
  const y = scale(yd[0], yd[1], h - M.b, M.t);
  const svg: string[] = [`<rect x="${M.l}" y="${M.t}" width="${w - M.l - M.r}" height="${h - M.t - M.b}" class="plot"/>`];
  for (const v of ticks(yd[0], yd[1])) {
    svg.push(`<line x1="${M.l}" x2="${w - M.r}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${M.l - 6}" y="${y(v) + 4}" text-anchor="end">${esc(formatNumber(v))}</text>`);
  }
  const xt = opts.xTicks ?? ticks(xd[0], xd[1], opts.xLog).map((v) => ({ v, label: formatNumber(v) }));
  for (const t of xt) svg.push(`<text x="${x(t.v)}" y="${h - M.b + 16}" text-anchor="middle">${esc(t.label)}</text>`);
  svg.push(`<text x="${(M.l + w - M.r) / 2}" y="${h - 6}" text-anchor="middle" class="label">${esc(xLabel)}</text>`);
  svg.push(`<text transform="translate(14 ${(M.t + h - M.b) / 2}) rotate(-90)" text-anchor="middle" class="label">${esc(yLabel)}</text>`);
  return { x, y, svg };
}

const svgOpen = (w = W, h = H, title = "") => `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(title)}">`;

function colorOf(t: TrialResult, best: string | undefined): string {
  if (t.name === best) return COLORS.best;
  return t.outcome ? COLORS[t.outcome] : COLORS.running;
}

/** Objective value of each trial in creation order, with the best-so-far line. */
function objectiveChart(r: Results): string {
  const valued = r.trials.filter((t) => t.value !== null && t.outcome !== "failed");
  if (valued.length === 0) return "<p>No trial has reported the objective yet.</p>";
  const dir = judgedObjective(r.spec).direction;
  const f = frame([-0.5, Math.max(...r.trials.map((t) => t.index)) + 0.5], domain(valued.map((t) => t.value as number)), "trial", judgedObjective(r.spec).metric);
  let best: number | undefined;
  const steps: string[] = [];
  for (const t of [...valued].sort((a, b) => a.index - b.index)) {
    const v = t.value as number;
    if (best === undefined || (dir === "minimize" ? v < best : v > best)) best = v;
    steps.push(`${f.x(t.index)},${f.y(best)}`);
  }
  const points = valued.map((t) => {
    const shape = t.outcome === "earlyStopped" ? `<path d="M${f.x(t.index) - 4},${f.y(t.value as number) - 4}l8,8m0,-8l-8,8" stroke="${colorOf(t, r.best?.name)}" stroke-width="2"/>` : `<circle cx="${f.x(t.index)}" cy="${f.y(t.value as number)}" r="4" fill="${colorOf(t, r.best?.name)}"/>`;
    return `<g><title>${esc(`${t.name}: ${formatNumber(t.value as number)} (${t.outcome}) ${formatParams(t.params)}`)}</title>${shape}</g>`;
  });
  return `${svgOpen(W, H, "objective by trial")}${f.svg.join("")}<polyline points="${steps.join(" ")}" class="bestline"/>${points.join("")}</svg>`;
}

/** Every trial's learning curve; early-stopped curves dashed and marked where they were cut. */
function curvesChart(r: Results): string {
  const curves = r.trials.filter((t) => t.curve.length > 0);
  if (curves.length === 0) return "<p>No learning curves were reported.</p>";
  if (curves.every((t) => t.curve.length === 1)) {
    return `<p>Every trial reported ${esc(judgedObjective(r.spec).metric)} at one step only (such as a cross-validation's mean): there are no curves to draw.</p>`;
  }
  const steps = curves.flatMap((t) => t.curve.map((p) => p.step));
  const values = curves.flatMap((t) => t.curve.map((p) => p.value));
  const f = frame(domain(steps), domain(values), "step", judgedObjective(r.spec).metric);
  const lines = curves
    .sort((a, b) => (a.name === r.best?.name ? 1 : 0) - (b.name === r.best?.name ? 1 : 0))
    .map((t) => {
      const pts = t.curve.map((p) => `${f.x(p.step)},${f.y(p.value)}`).join(" ");
      const last = t.curve[t.curve.length - 1]!;
      const cut = t.outcome === "earlyStopped" ? `<path d="M${f.x(last.step) - 4},${f.y(last.value) - 4}l8,8m0,-8l-8,8" stroke="${COLORS.earlyStopped}" stroke-width="2"/>` : "";
      const cls = t.name === r.best?.name ? "curve best" : t.outcome === "earlyStopped" ? "curve stopped" : "curve";
      return `<g><title>${esc(`${t.name} (${t.outcome ?? t.phase}) ${formatParams(t.params)}`)}</title><polyline points="${pts}" class="${cls}" stroke="${colorOf(t, r.best?.name)}"/>${cut}</g>`;
    });
  return `${svgOpen(W, H, "learning curves")}${f.svg.join("")}${lines.join("")}</svg>`;
}

/** Objective against one parameter (log axis for log-scaled parameters, one column per category). */
function parameterChart(r: Results, p: Parameter): string {
  const valued = r.trials.filter((t) => t.value !== null && t.outcome !== "failed" && t.params[p.name] !== undefined);
  if (valued.length === 0) return "";
  const w = 310;
  const h = 220;
  const yd = domain(valued.map((t) => t.value as number));
  let xOf: (t: TrialResult) => number;
  let f: Frame;
  if (p.type === "categorical") {
    const labels = p.values;
    f = frame([-0.5, labels.length - 0.5], yd, p.name, judgedObjective(r.spec).metric, { w, h, xTicks: labels.map((l, i) => ({ v: i, label: l })) });
    xOf = (t) => labels.indexOf(String(t.params[p.name])) + (((t.index * 0.618) % 1) - 0.5) * 0.3;
  } else {
    const xs = valued.map((t) => Number(t.params[p.name]));
    const lo = p.type === "discrete" ? Math.min(...p.values) : p.min;
    const hi = p.type === "discrete" ? Math.max(...p.values) : p.max;
    // Discrete values spanning two decades or more are a log grid (alpha = 1e-4 … 1): on a linear axis all but the last would overlap.
    const log = p.type === "discrete" ? lo > 0 && hi / lo >= 100 : p.scale === "log";
    const xd: [number, number] = log ? [lo / 1.15, hi * 1.15] : domain([lo, hi, ...xs]);
    f = frame(xd, yd, `${p.name}${log ? " (log)" : ""}`, judgedObjective(r.spec).metric, { w, h, xLog: log });
    xOf = (t) => Number(t.params[p.name]);
  }
  const dots = valued.map((t) => `<circle cx="${f.x(xOf(t))}" cy="${f.y(t.value as number)}" r="3.5" fill="${colorOf(t, r.best?.name)}"><title>${esc(`${t.name}: ${formatNumber(t.value as number)}`)}</title></circle>`);
  return `${svgOpen(w, h, `objective vs ${p.name}`)}${f.svg.join("")}${dots.join("")}</svg>`;
}

/** The trials table. */
function trialsTable(r: Results): string {
  const names = r.spec.parameters.map((p) => p.name);
  const head = `<tr><th>trial</th><th>outcome</th><th>${esc(judgedObjective(r.spec).metric)}</th><th>steps</th>${names.map((n) => `<th>${esc(n)}</th>`).join("")}<th>reason</th></tr>`;
  const rows = r.trials.map((t) => {
    const cls = t.name === r.best?.name ? ' class="best"' : "";
    const v = t.value === null ? "–" : formatObjective(judgedObjective(r.spec).metric, t.value, t.metrics);
    return `<tr${cls}><td>${esc(t.name)}</td>${outcomeCell(t)}<td>${esc(v)}</td><td>${t.curve.length}</td>${names.map((n) => `<td>${esc(String(typeof t.params[n] === "number" ? formatNumber(t.params[n] as number) : (t.params[n] ?? "")))}</td>`).join("")}<td>${esc(t.reason ?? "")}</td></tr>`;
  });
  return `<table>${head}${rows.join("")}</table>`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.sub{color:#666}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:140px}
.card b{display:block;font-size:20px}.ok{color:${COLORS.best}}.bad{color:${COLORS.failed}}
svg text{font-size:11px;fill:#444}svg .label{font-size:12px;fill:#222}.plot{fill:#fafafa;stroke:#ccc}
.grid{stroke:#e6e6e6}.bestline{fill:none;stroke:${COLORS.best};stroke-width:2}
.curve{fill:none;stroke-width:1.3;opacity:.75}.curve.stopped{stroke-dasharray:4 3}.curve.best{stroke-width:3;opacity:1}
.params{display:flex;flex-wrap:wrap;gap:8px}table{border-collapse:collapse;font-size:12.5px;width:100%}
th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left}td:first-child{white-space:nowrap}tr.best td{background:#eaf6ee;font-weight:600}
td.failed{color:${COLORS.failed}}td.earlyStopped{color:${COLORS.earlyStopped}}td.succeeded{color:${COLORS.succeeded}}
.legend span{margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}`;

/** One titled section of the report (report.html and the dashboard draw the same list). */
export interface ReportSection {
  id: string;
  title: string;
  html: string;
}

/** The summary cards (status, best trial, trial counts) and the job's status message. */
export function summaryHtml(r: Results): string {
  const counts = { succeeded: 0, earlyStopped: 0, failed: 0, unfinished: 0 };
  for (const t of r.trials) counts[t.outcome ?? "unfinished"]++;
  const ok = r.status.phase === "Succeeded";
  const bestMetrics = r.trials.find((t) => t.name === r.best?.name)?.metrics ?? {};
  const best = r.front
    ? frontCard(r)
    : r.best
    ? `<div class="card"><span>best ${esc(judgedObjective(r.spec).metric)} (${judgedObjective(r.spec).direction})</span><b class="ok">${esc(formatObjective(judgedObjective(r.spec).metric, r.best.value, bestMetrics))}</b>${esc(r.best.name)}<br><code>${esc(formatParams(r.best.params))}</code></div>`
    : `<div class="card"><span>best</span><b>–</b>no finished trial</div>`;
  return `<p class="sub">${esc(r.spec.search.algorithm)} search${r.spec.earlyStopping && r.spec.earlyStopping.algorithm !== "none" ? `, ${esc(r.spec.earlyStopping.algorithm)} early stopping` : ""} · started ${esc(r.startedAt)}${r.finishedAt ? ` · finished ${esc(r.finishedAt)}` : ""}</p>
<div class="cards">
<div class="card"><span>status</span><b class="${ok ? "ok" : r.status.phase === "Failed" ? "bad" : ""}">${esc(r.status.phase)}</b>${esc(r.status.reason ?? "")}</div>
${best}
<div class="card"><span>trials</span><b>${r.trials.length} / ${r.spec.budget.maxTrials}</b>${counts.succeeded} succeeded · ${counts.earlyStopped} early-stopped · ${counts.failed} failed${counts.unfinished ? ` · ${counts.unfinished} unfinished` : ""}</div>
</div>
${r.status.message ? `<p>${esc(r.status.message)}</p>` : ""}`;
}

/** The report's chart sections, in order: the Pareto front (multi-objective jobs), objective by trial, learning curves, objective against each parameter, parameter importance. */
export function chartSections(r: Results): ReportSection[] {
  const legend = `<p class="legend">${(["succeeded", "earlyStopped", "failed", "best"] as const).map((k) => `<span><i style="background:${COLORS[k]}"></i>${k === "earlyStopped" ? "early-stopped (✕)" : k}</span>`).join("")}</p>`;
  const front = frontSection(r);
  return [
    ...(front ? [{ id: "front", title: isMultiObjective(r.spec) ? "Pareto front" : "Constraints", html: front }] : []),
    { id: "objective", title: "Objective by trial", html: `${legend}\n${objectiveChart(r)}` },
    { id: "curves", title: "Learning curves", html: curvesChart(r) },
    { id: "parameters", title: "Objective vs parameters", html: `<div class="params">${r.spec.parameters.map((p) => parameterChart(r, p)).join("")}</div>` },
    { id: "importance", title: "Parameter importance", html: importanceHtml(r) },
  ];
}

/** The report's stylesheet (the dashboard serves the same one). */
export const REPORT_CSS = CSS;

/** A self-contained HTML report of a run (inline CSS and SVG, no network). */
export function reportHtml(r: Results): string {
  const sections = [...chartSections(r), { id: "trials", title: "Trials", html: trialsTable(r) }];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kubetune · ${esc(r.job)}</title><style>${CSS}</style></head>
<body>
<h1>kubetune · ${esc(r.job)}</h1>
${summaryHtml(r)}
${sections.map((s) => `<h2>${esc(s.title)}</h2>\n${s.html}`).join("\n")}
</body></html>
`;
}
