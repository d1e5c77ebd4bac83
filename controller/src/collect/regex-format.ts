import { NAME_GROUP, STEP_GROUP, VALUE_GROUP, patternShape } from "../api/collector-pattern.ts";
import { MetricName } from "../api/metrics.ts";
import { parseNumber, parseStep, type ParsedLine } from "./keyvalue.ts";

/**
 * A parser of lines by a pattern with named groups (validated by patternShape at apply time). With
 * (?<name>…)(?<value>…) every match on the line is one metric; otherwise the first match gives one
 * metric per named group that took part in it. (?<step>…), when it matched, is the step.
 */
export function regexLineParser(source: string): (line: string) => ParsedLine {
  const shape = patternShape(source);
  if ("problem" in shape) throw new Error(`metricsCollector.pattern ${shape.problem}`);
  const re = new RegExp(source, "g");
  return (line) => {
    re.lastIndex = 0;
    const matches = shape.kind === "pair" ? [...line.matchAll(re)] : [re.exec(line)].filter((m) => m !== null);
    if (matches.length === 0) return { kind: "ordinary" };
    const metrics: Record<string, number> = {};
    let step: number | undefined;
    for (const m of matches) {
      const groups = m.groups ?? {};
      const rawStep = shape.step ? groups[STEP_GROUP] : undefined;
      if (rawStep !== undefined && step === undefined) {
        step = parseStep(rawStep);
        if (step === undefined) return { kind: "malformed", problem: `step "${rawStep}" is not an integer from 0 to 2147483647` };
      }
      const pairs: [string, string | undefined][] = shape.kind === "pair" ? [[groups[NAME_GROUP] ?? "", groups[VALUE_GROUP]]] : shape.metrics.map((n) => [n, groups[n]]);
      for (const [name, raw] of pairs) {
        if (raw === undefined) continue;
        if (!MetricName.safeParse(name).success) return { kind: "malformed", problem: `"${name}" is not a metric name (letters, digits, _ . : -, starting with a letter or _)` };
        const value = parseNumber(raw);
        if (value === undefined) return { kind: "malformed", problem: `${name}: "${raw}" is not a finite number` };
        metrics[name] = value;
      }
    }
    if (Object.keys(metrics).length === 0) return { kind: "ordinary" };
    return { kind: "metrics", ...(step !== undefined ? { step } : {}), metrics };
  };
}
