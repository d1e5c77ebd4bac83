import { judgedObjective } from "../api/job-objectives.ts";
import type { Parameter } from "../api/parameters.ts";
import type { Results, TrialResult } from "../local/results.ts";
import { esc } from "../local/report-html.ts";
import { formatNumber, formatParams } from "../local/views.ts";

const COLOR = { succeeded: "#2b7bba", earlyStopped: "#e08a1e", failed: "#c0392b", best: "#1a9850", running: "#888" } as const;
const H = 260;
const TOP = 28;
const BOTTOM = 30;
const GAP = 130;
const LEFT = 60;

/** One vertical axis: a label, where a trial sits on it (0 bottom … 1 top, undefined when it has no value) and its end labels. */
interface Axis {
  label: string;
  at: (t: TrialResult) => number | undefined;
  lo: string;
  hi: string;
}

/** 0…1 along [lo, hi], log-spaced when asked; the midpoint for a zero-width range. */
function unit(v: number, lo: number, hi: number, log: boolean): number {
  const f = log ? Math.log10 : (x: number) => x;
  const span = f(hi) - f(lo);
  return span === 0 ? 0.5 : (f(v) - f(lo)) / span;
}

function parameterAxis(p: Parameter): Axis {
  if (p.type === "categorical") {
    const n = p.values.length;
    return { label: p.name, at: (t) => (p.values.indexOf(String(t.params[p.name])) + 0.5) / n, lo: p.values[0] ?? "", hi: p.values[n - 1] ?? "" };
  }
  const lo = p.type === "discrete" ? Math.min(...p.values) : p.min;
  const hi = p.type === "discrete" ? Math.max(...p.values) : p.max;
  const log = p.type === "discrete" ? lo > 0 && hi / lo >= 100 : p.scale === "log";
  return { label: `${p.name}${log ? " (log)" : ""}`, at: (t) => (typeof t.params[p.name] === "number" ? unit(t.params[p.name] as number, lo, hi, log) : undefined), lo: formatNumber(lo), hi: formatNumber(hi) };
}

/**
 * Parallel coordinates: one axis per parameter and one for the objective, a line per trial that
 * reported it, colored by outcome (the best trial on top): which regions of the space the good trials share.
 */
export function parallelCoordinates(r: Results): string {
  const valued = r.trials.filter((t) => t.value !== null && t.outcome !== "failed");
  if (valued.length === 0) return "<p>No trial has reported the objective yet.</p>";
  const values = valued.map((t) => t.value as number);
  const vlo = Math.min(...values);
  const vhi = Math.max(...values);
  const axes: Axis[] = [...r.spec.parameters.map(parameterAxis), { label: judgedObjective(r.spec).metric, at: (t) => (t.value === null ? undefined : unit(t.value, vlo, vhi, false)), lo: formatNumber(vlo), hi: formatNumber(vhi) }];
  const w = LEFT * 2 + GAP * (axes.length - 1);
  const x = (i: number): number => LEFT + i * GAP;
  const y = (u: number): number => H - BOTTOM - u * (H - TOP - BOTTOM);
  const svg: string[] = [];
  axes.forEach((a, i) => {
    svg.push(`<line x1="${x(i)}" x2="${x(i)}" y1="${y(0)}" y2="${y(1)}" stroke="#999"/>`);
    svg.push(`<text x="${x(i)}" y="${TOP - 12}" text-anchor="middle" class="label">${esc(a.label)}</text>`);
    svg.push(`<text x="${x(i) + 4}" y="${y(1) + 4}">${esc(a.hi)}</text><text x="${x(i) + 4}" y="${y(0) + 4}">${esc(a.lo)}</text>`);
  });
  const best = r.best?.name;
  const ordered = [...valued].sort((a, b) => (a.name === best ? 1 : 0) - (b.name === best ? 1 : 0));
  for (const t of ordered) {
    const pts = axes.flatMap((a, i) => {
      const u = a.at(t);
      return u === undefined || !Number.isFinite(u) ? [] : [`${x(i)},${y(u)}`];
    });
    const color = t.name === best ? COLOR.best : COLOR[t.outcome ?? "running"];
    const cls = t.outcome === "earlyStopped" ? "curve stopped" : t.name === best ? "curve best" : "curve";
    svg.push(`<g class="pc-line"><title>${esc(`${t.name}: ${formatNumber(t.value as number)} (${t.outcome ?? t.phase}) ${formatParams(t.params)}`)}</title><polyline points="${pts.join(" ")}" class="${cls}" stroke="${color}"/></g>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${H}" width="${w}" height="${H}" role="img" aria-label="parallel coordinates">${svg.join("")}</svg>`;
}
