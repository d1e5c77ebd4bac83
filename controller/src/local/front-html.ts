/** The multi-objective and constraint views of report.html: the Pareto front card and scatter, infeasible marks. */
import { isMultiObjective, objectiveList } from "../api/job-objectives.ts";
import type { Results, TrialResult } from "./results.ts";
import { formatNumber, formatParams } from "./views.ts";

const FRONT = "#1a9850";
const DOMINATED = "#2b7bba";
const INFEASIBLE = "#c0392b";
const W = 640;
const H = 360;
const M = { l: 70, r: 16, t: 16, b: 44 };

function esc(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** Maps [lo, hi] (padded 5%) onto [from, to]. */
function axis(values: readonly number[], from: number, to: number): { at: (v: number) => number; ticks: number[] } {
  const lo0 = Math.min(...values);
  const hi0 = Math.max(...values);
  const pad = (hi0 - lo0) * 0.05 || Math.abs(hi0) * 0.05 || 1;
  const lo = lo0 - pad;
  const hi = hi0 + pad;
  return { at: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks: [0, 1, 2, 3, 4].map((k) => lo0 + ((hi0 - lo0) * k) / 4) };
}

/** What a finished trial is on the scatter: on the front, dominated, or infeasible. */
type Kind = "front" | "dominated" | "infeasible";

/** The "best" card of a multi-objective job: how many trials are on its front. */
export function frontCard(r: Results): string {
  const objectives = objectiveList(r.spec).map((o) => `${o.metric} ${o.direction === "minimize" ? "↓" : "↑"}`);
  return `<div class="card"><span>Pareto front</span><b class="ok">${r.front?.length ?? 0} trials</b>${esc(objectives.join(" · "))}</div>`;
}

/** A trial's outcome cell in the trials table; an infeasible trial says so, with the bounds it broke. */
export function outcomeCell(t: TrialResult): string {
  const outcome = esc(t.outcome ?? t.phase);
  if (t.feasible !== false) return `<td class="${t.outcome ?? "running"}">${outcome}</td>`;
  return `<td class="${t.outcome ?? "running"} infeasible" title="${esc(t.infeasibleReason ?? "")}">${outcome} · <span style="color:${INFEASIBLE}">infeasible</span></td>`;
}

/** Scatter of the first two objectives: front points solid and joined, dominated ones faded, infeasible ones as red crosses. */
function frontScatter(r: Results, trials: readonly TrialResult[], kind: (t: TrialResult) => Kind): string {
  const [o1, o2] = objectiveList(r.spec);
  if (!o1 || !o2) return "";
  const xs = axis(trials.map((t) => t.values?.[0] as number), M.l, W - M.r);
  const ys = axis(trials.map((t) => t.values?.[1] as number), H - M.b, M.t);
  const svg: string[] = [`<rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" class="plot"/>`];
  for (const v of xs.ticks) svg.push(`<text x="${xs.at(v)}" y="${H - M.b + 16}" text-anchor="middle">${esc(formatNumber(v))}</text>`);
  for (const v of ys.ticks) svg.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${ys.at(v)}" y2="${ys.at(v)}" class="grid"/><text x="${M.l - 6}" y="${ys.at(v) + 4}" text-anchor="end">${esc(formatNumber(v))}</text>`);
  const arrow = (d: string) => (d === "minimize" ? "lower is better" : "higher is better");
  svg.push(`<text x="${(M.l + W - M.r) / 2}" y="${H - 8}" text-anchor="middle" class="label">${esc(`${o1.metric} (${arrow(o1.direction)})`)}</text>`);
  svg.push(`<text transform="translate(14 ${(M.t + H - M.b) / 2}) rotate(-90)" text-anchor="middle" class="label">${esc(`${o2.metric} (${arrow(o2.direction)})`)}</text>`);
  const front = trials.filter((t) => kind(t) === "front").sort((a, b) => (a.values?.[0] as number) - (b.values?.[0] as number));
  if (front.length > 1) svg.push(`<polyline points="${front.map((t) => `${xs.at(t.values?.[0] as number)},${ys.at(t.values?.[1] as number)}`).join(" ")}" fill="none" stroke="${FRONT}" stroke-width="1.5" stroke-dasharray="3 3"/>`);
  // Dominated and infeasible points first, so the front is drawn on top.
  const order = [...trials].sort((a, b) => Number(kind(a) === "front") - Number(kind(b) === "front"));
  for (const t of order) {
    const x = xs.at(t.values?.[0] as number);
    const y = ys.at(t.values?.[1] as number);
    const k = kind(t);
    const title = `<title>${esc(`${t.name}: ${objectiveList(r.spec).map((o, i) => `${o.metric}=${formatNumber(t.values?.[i])}`).join(" ")}${k === "infeasible" ? ` (infeasible: ${t.infeasibleReason ?? ""})` : k === "front" ? " (on the front)" : " (dominated)"} ${formatParams(t.params)}`)}</title>`;
    const shape =
      k === "infeasible"
        ? `<path d="M${x - 4},${y - 4}l8,8m0,-8l-8,8" stroke="${INFEASIBLE}" stroke-width="1.5" opacity="0.6"/>`
        : `<circle cx="${x}" cy="${y}" r="${k === "front" ? 5 : 4}" fill="${k === "front" ? FRONT : DOMINATED}"${k === "front" ? "" : ' opacity="0.25"'}/>`;
    svg.push(`<g class="${k}">${title}${shape}</g>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Pareto front">${svg.join("")}</svg>`;
}

/** The front's members, one row each: their objective values and parameters. */
function frontTable(r: Results): string {
  const objectives = objectiveList(r.spec);
  const names = r.spec.parameters.map((p) => p.name);
  const head = `<tr><th>trial</th>${objectives.map((o) => `<th>${esc(o.metric)} ${o.direction === "minimize" ? "↓" : "↑"}</th>`).join("")}${names.map((n) => `<th>${esc(n)}</th>`).join("")}</tr>`;
  const rows = (r.front ?? []).map(
    (m) => `<tr><td>${esc(m.name)}</td>${m.values.map((v) => `<td>${esc(formatNumber(v))}</td>`).join("")}${names.map((n) => `<td>${esc(typeof m.params[n] === "number" ? formatNumber(m.params[n] as number) : String(m.params[n] ?? ""))}</td>`).join("")}</tr>`,
  );
  return `<table class="front">${head}${rows.join("")}</table>`;
}

/** How many finished trials broke a constraint, and the constraints themselves. */
function constraintsLine(r: Results): string {
  const constraints = r.spec.constraints ?? [];
  if (constraints.length === 0) return "";
  const finished = r.trials.filter((t) => t.outcome === "succeeded" || t.outcome === "earlyStopped");
  const infeasible = finished.filter((t) => t.feasible === false).length;
  const bounds = constraints.map((c) => [c.min !== undefined ? `${c.min} ≤ ` : "", c.metric, c.max !== undefined ? ` ≤ ${c.max}` : ""].join(""));
  return `<p>Constraints: ${esc(bounds.join(", "))}. ${infeasible} of ${finished.length} finished trials are infeasible (never best, never on the front).</p>`;
}

/** The Pareto front section of a multi-objective job (empty otherwise; a single objective with constraints gets the constraints line). */
export function frontSection(r: Results): string {
  if (!isMultiObjective(r.spec)) return constraintsLine(r);
  const onFront = new Set((r.front ?? []).map((m) => m.name));
  const finished = r.trials.filter((t) => (t.outcome === "succeeded" || t.outcome === "earlyStopped") && t.values !== undefined);
  const kind = (t: TrialResult): Kind => (t.feasible === false ? "infeasible" : onFront.has(t.name) ? "front" : "dominated");
  const legend = `<p class="legend"><span><i style="background:${FRONT}"></i>on the front</span><span><i style="background:${DOMINATED};opacity:.3"></i>dominated</span>${(r.spec.constraints ?? []).length > 0 ? `<span style="color:${INFEASIBLE}">✕ infeasible</span>` : ""}</p>`;
  const chart = finished.length > 0 ? frontScatter(r, finished, kind) : "<p>No trial has reported every objective yet.</p>";
  return `<p>${onFront.size} trials are on the front: no other feasible trial is at least as good in every objective and better in one.${objectiveList(r.spec).length > 2 ? " The chart shows the first two objectives; the table has them all." : ""}</p>
${constraintsLine(r)}${legend}
${chart}
${frontTable(r)}`;
}
