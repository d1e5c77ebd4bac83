import type { Params } from "../api/parameters.ts";
import type { Style } from "./style.ts";
import type { RunEvent } from "./runner.ts";

/** Something that shows a run's events to a person or a program. */
export interface View {
  event(e: RunEvent): void;
  /** Redraws periodically (the live view's clock); a no-op for line views. */
  refresh(): void;
  /** Leaves the terminal clean (the live view erases its block). */
  close(): void;
}

/** A short rendering of a number: 4 significant digits, exponent for tiny/huge values. */
export function formatNumber(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "-∞";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number.parseFloat(v.toPrecision(4)));
}

/**
 * A trial's objective value, with "± spread" when the objective is a mean `mean_<x>` and the trial
 * also reported `std_<x>` (scikit-learn's cv_results_ names: mean_test_score ± std_test_score).
 */
export function formatObjective(metric: string, value: number | undefined, metrics: Record<string, number>): string {
  const std = metric.startsWith("mean_") ? metrics[`std_${metric.slice("mean_".length)}`] : undefined;
  return std === undefined ? formatNumber(value) : `${formatNumber(value)} ± ${formatNumber(std)}`;
}

/** `name=value` pairs of a trial's parameters. */
export function formatParams(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : v}`)
    .join(" ");
}

/** A duration as 1h02m, 3m05s or 42s. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** How to continue an interrupted run. */
export function resumeHint(dir: string): string {
  return `resume with: kubetune run --resume ${dir}`;
}

/** Human-readable lines, one per event, with a timestamp (not a TTY, or --quiet). */
export function plainView(write: (line: string) => void, style: Style, metric: string, now: () => Date = () => new Date()): View {
  const stamp = () => style.dim(now().toISOString().slice(11, 19));
  return {
    event(e) {
      switch (e.type) {
        case "job-started":
          write(`${stamp()} ${style.bold(e.job)}: up to ${e.maxTrials} trials, ${e.parallel} at a time${e.resumed ? `, resuming ${e.resumed} recorded trials` : ""} → ${e.dir}`);
          break;
        case "trial-started":
          write(`${stamp()} ▶ ${e.trial} ${style.dim(formatParams(e.params))}`);
          break;
        case "trial-stopping":
          write(`${stamp()} ✂ ${e.trial} stopping: ${e.reason}`);
          break;
        case "trial-bad-report":
          write(`${stamp()} ${style.yellow("!")} ${e.trial}: bad report: ${e.problem}`);
          break;
        case "trial-finished": {
          const mark = e.outcome === "succeeded" ? style.green("✓") : e.outcome === "failed" ? style.red("✗") : style.yellow("✂");
          const value = e.values ? ` ${formatValues(e.values)}` : e.value !== undefined ? ` ${metric}=${formatObjective(metric, e.value, e.metrics)}` : "";
          const words = e.outcome === "earlyStopped" ? "early-stopped" : e.outcome;
          const infeasible = e.infeasible !== undefined ? style.yellow(` infeasible: ${e.infeasible}`) : "";
          write(`${stamp()} ${mark} ${e.trial} ${words}${value}${infeasible}${e.best ? style.green(" ★ best so far") : ""}${e.front ? style.green(" ◆ on the front") : ""}${e.outcome === "failed" && e.reason ? `: ${e.reason}` : ""}`);
          break;
        }
        case "job-finished":
          for (const line of summary(e, style, metric)) write(line);
          break;
        case "trial-report":
          break;
      }
    },
    refresh() {},
    close() {},
  };
}

/** A multi-objective trial's values: `err=0.12 size_mb=3.4`. */
export function formatValues(values: readonly { metric: string; value: number }[]): string {
  return values.map((v) => `${v.metric}=${formatNumber(v.value)}`).join(" ");
}

/** Most front members the closing lines list (results.json and report.html have them all). */
const FRONT_LINES = 10;

/** The closing lines of a run: outcome, best trial (or Pareto front), where the results are. */
export function summary(e: Extract<RunEvent, { type: "job-finished" }>, style: Style, metric: string): string[] {
  const ok = e.end.phase === "Succeeded";
  const lines = [`${ok ? style.green("✓ Succeeded") : style.red(`✗ ${e.end.reason === "Interrupted" ? "Interrupted" : "Failed"}`)} (${e.end.reason}): ${e.end.message}`];
  if (e.best) lines.push(`${style.bold("best")} ${e.best.name}: ${metric} = ${formatNumber(e.best.value)}  ${formatParams(e.best.params)}`);
  if (e.front) {
    lines.push(`${style.bold("Pareto front")}: ${e.front.size} trials${e.front.size > FRONT_LINES ? ` (the first ${FRONT_LINES} by the first objective)` : ""}`);
    for (const m of e.front.members.slice(0, FRONT_LINES)) lines.push(`  ◆ ${m.name}: ${formatValues(m.values)}  ${style.dim(formatParams(m.params))}`);
  }
  lines.push(`results: ${e.dir}/results.json, trials.csv, report.html`);
  if (e.end.reason === "Interrupted") lines.push(resumeHint(e.dir));
  return lines;
}

/** Machine-readable events: one JSON object per line on stdout (--json). */
export function jsonView(write: (line: string) => void, now: () => Date = () => new Date()): View {
  return {
    event(e) {
      write(JSON.stringify({ time: now().toISOString(), ...e }));
    },
    refresh() {},
    close() {},
  };
}

interface LiveTrial {
  params: Params;
  step?: number;
  value?: number;
  stopping?: boolean;
}

/** The live view for a terminal: finished trials scroll by, a block below shows progress, ETA, running trials and the best. */
export function liveView(write: (text: string) => void, style: Style, metric: string, columns: () => number, now: () => number = Date.now): View {
  const plain = plainView((line) => lines.push(line), style, metric);
  const lines: string[] = [];
  const running = new Map<string, LiveTrial>();
  let maxTrials = 0;
  let finished = 0;
  let startedAt = now();
  let finishedAtStart = 0;
  let best: { name: string; value: number } | undefined;
  let drawn = 0;

  const bar = (width: number): string => {
    const filled = maxTrials > 0 ? Math.round((finished / maxTrials) * width) : 0;
    return `${"█".repeat(filled)}${style.dim("░".repeat(Math.max(0, width - filled)))}`;
  };
  const eta = (): string => {
    const done = finished - finishedAtStart;
    if (done <= 0 || finished >= maxTrials) return "";
    const per = (now() - startedAt) / done;
    return ` ETA ${formatDuration(per * (maxTrials - finished))}`;
  };
  const block = (): string[] => {
    const width = Math.max(20, columns());
    const out = [`${bar(Math.min(30, width - 40))} ${finished}/${maxTrials} trials${eta()}  elapsed ${formatDuration(now() - startedAt)}`];
    if (best) out.push(`${style.bold("best")} ${best.name}: ${metric} = ${formatNumber(best.value)}`);
    for (const [name, t] of running) {
      const state = t.stopping ? "stopping" : t.step === undefined ? "starting" : `step ${t.step} ${metric}=${formatNumber(t.value)}`;
      // Cut to the terminal width: a wrapped line would throw off the cursor-up count of the next redraw.
      out.push(`  ${name} ${state} ${formatParams(t.params)}`.slice(0, width - 1));
    }
    return out;
  };
  const redraw = (): void => {
    let text = drawn > 0 ? `\u001b[${drawn}F\u001b[J` : "";
    for (const l of lines.splice(0)) text += `${l}\n`;
    const b = block();
    text += b.map((l) => `${l}\n`).join("");
    drawn = b.length;
    write(text);
  };
  return {
    event(e) {
      if (e.type === "job-started") {
        maxTrials = e.maxTrials;
        finished = e.resumed;
        finishedAtStart = e.resumed;
        startedAt = now();
      } else if (e.type === "trial-started") running.set(e.trial, { params: e.params });
      else if (e.type === "trial-report") {
        const t = running.get(e.trial);
        if (t) {
          t.step = e.step;
          if (e.value !== undefined) t.value = e.value;
        }
      } else if (e.type === "trial-stopping") {
        const t = running.get(e.trial);
        if (t) t.stopping = true;
      } else if (e.type === "trial-finished") {
        running.delete(e.trial);
        finished++;
        if (e.best && e.value !== undefined) best = { name: e.trial, value: e.value };
      }
      if (e.type === "job-finished") {
        running.clear();
        plain.event(e);
        let text = drawn > 0 ? `\u001b[${drawn}F\u001b[J` : "";
        for (const l of lines.splice(0)) text += `${l}\n`;
        drawn = 0;
        write(text);
        return;
      }
      plain.event(e);
      redraw();
    },
    refresh: redraw,
    close() {
      if (drawn > 0) write(`\u001b[${drawn}F\u001b[J`);
      drawn = 0;
    },
  };
}
