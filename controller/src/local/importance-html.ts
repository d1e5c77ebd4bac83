/** The parameter-importance section of report.html (and of the dashboard, which renders the same sections). */
import { judgedObjective } from "../api/job-objectives.ts";
import { importanceReport } from "../engine/importance.ts";
import type { Results } from "./results.ts";
// A cycle with report-html.ts, which draws this section: safe, as esc is only called once both have loaded.
import { esc } from "./report-html.ts";

const BAR = "#2b7bba";
const ROW = 22;
const LABEL_W = 150;
const BAR_W = 400;

/** The importances a results document holds, or its trials' when it predates them (an older results.json). */
function importancesOf(r: Results): { ok: true; list: { parameter: string; importance: number }[] } | { ok: false; detail: string } {
  if (r.importance && r.importance.length > 0) return { ok: true, list: r.importance };
  const computed = importanceReport(r.spec.parameters, r.trials, judgedObjective(r.spec).direction);
  return computed.ok ? { ok: true, list: computed.importances } : { ok: false, detail: computed.detail };
}

/** The body of the report's "Parameter importance" section: a horizontal bar per parameter, longest first (PED-ANOVA), or why there are none. */
export function importanceHtml(r: Results): string {
  const imp = importancesOf(r);
  if (!imp.ok) return `<p>${esc(imp.detail)}.</p>`;
  const h = imp.list.length * ROW + 8;
  const w = LABEL_W + BAR_W + 70;
  const rows = imp.list.map((i, k) => {
    const y = 4 + k * ROW;
    const len = Math.max(1, i.importance * BAR_W);
    const pct = `${(100 * i.importance).toFixed(1)}%`;
    return (
      `<g><title>${esc(`${i.parameter}: ${pct}`)}</title>` +
      `<text x="${LABEL_W - 8}" y="${y + 15}" text-anchor="end">${esc(i.parameter)}</text>` +
      `<rect x="${LABEL_W}" y="${y + 3}" width="${len.toFixed(1)}" height="${ROW - 6}" fill="${BAR}"/>` +
      `<text x="${(LABEL_W + len + 6).toFixed(1)}" y="${y + 15}">${pct}</text></g>`
    );
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="parameter importance">${rows.join("")}</svg>`;
  const note = `<p class="sub">Share of the difference between the best 10% of finished trials (succeeded and early-stopped) and all of them that each parameter carries (PED-ANOVA, as Optuna's PedAnovaImportanceEvaluator); see docs/algorithms.md.</p>`;
  return `${note}\n${svg}`;
}
