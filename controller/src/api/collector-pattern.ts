import { isReservedMetricName, METRIC_NAME_PATTERN } from "./metrics.ts";

/** Longest `spec.metricsCollector.pattern`, in characters. */
export const MAX_PATTERN_LENGTH = 1024;

/** Named groups of a collector pattern with a meaning of their own; every other named group is a metric. */
export const STEP_GROUP = "step";
export const NAME_GROUP = "name";
export const VALUE_GROUP = "value";

/** What a valid pattern yields per match: one `name`/`value` pair, or one value per named metric group. */
export type PatternShape = { kind: "pair"; step: boolean } | { kind: "groups"; step: boolean; metrics: string[] };

/** The shape of a collector pattern, or a message saying what is wrong with it and how to fix it. */
export function patternShape(source: string): PatternShape | { problem: string } {
  try {
    new RegExp(source);
  } catch (e) {
    return { problem: `is not a valid regular expression (${(e as Error).message})` };
  }
  const scan = scanPattern(source);
  if (scan.nestedRepeat) {
    return { problem: `repeats a group that itself contains a repetition (such as (a+)+ or (\\w*)*), which can take exponential time on one line; rewrite it without the nested repetition` };
  }
  if (scan.repeatedAlternation) {
    return { problem: `repeats a group with alternatives (such as (a|aa)+ or (\\s|\\t)*), which can take exponential time on one line; use a character class ([ \\t]*) or rewrite it without repeating the alternatives` };
  }
  const names = scan.groups;
  const step = names.includes(STEP_GROUP);
  const pair = names.filter((n) => n === NAME_GROUP || n === VALUE_GROUP);
  const metrics = names.filter((n) => n !== STEP_GROUP && n !== NAME_GROUP && n !== VALUE_GROUP);
  if (pair.length > 0) {
    if (pair.length !== 2) return { problem: `has a (?<${pair[0]}>…) group without its partner: use both (?<name>…) and (?<value>…), or name each metric's group after the metric` };
    if (metrics.length > 0) return { problem: `mixes (?<name>…)/(?<value>…) with metric groups (${metrics.join(", ")}); use one style` };
    return { kind: "pair", step };
  }
  if (metrics.length === 0) {
    return { problem: `has no metric groups: name a group after each metric, e.g. "loss=(?<loss>\\S+)", or capture (?<name>…) and (?<value>…); (?<step>…) is optional` };
  }
  for (const m of metrics) {
    if (!METRIC_NAME_PATTERN.test(m) || isReservedMetricName(m)) return { problem: `has group "${m}", which is not a valid metric name (letters, digits and _, starting with a letter or _)` };
  }
  return { kind: "groups", step, metrics };
}

interface Frame {
  repeats: boolean;
  /** The group (or one inside it) has a `|`. */
  alternates: boolean;
}

/**
 * Named groups of a pattern, whether a repeated group contains a repetition (star height > 1) and whether
 * one contains alternatives (`(a|aa)+`): the two usual causes of catastrophic backtracking. A heuristic:
 * it refuses some safe patterns, never a nested `+`/`*` or a repeated `|`.
 */
function scanPattern(source: string): { groups: string[]; nestedRepeat: boolean; repeatedAlternation: boolean } {
  const groups: string[] = [];
  const stack: Frame[] = [{ repeats: false, alternates: false }];
  let nestedRepeat = false;
  let repeatedAlternation = false;
  let i = 0;
  const repeatAt = (at: number): { repeats: boolean; end: number } => {
    const c = source[at];
    if (c === "*" || c === "+") return { repeats: true, end: at + 1 };
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
      if (m) return { repeats: m[2] !== undefined && (m[3] === "" || Number(m[3]) > 1), end: at + m[0].length };
    }
    return { repeats: false, end: at };
  };
  while (i < source.length) {
    const c = source[i];
    if (c === "\\") {
      i += 2;
    } else if (c === "[") {
      i++;
      while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
      i++;
    } else if (c === "(") {
      const named = /^\(\?<([A-Za-z_$][\w$]*)>/.exec(source.slice(i));
      if (named) groups.push(named[1] as string);
      stack.push({ repeats: false, alternates: false });
      i++;
      continue;
    } else if (c === ")") {
      const inner = stack.pop() ?? { repeats: false, alternates: false };
      const q = repeatAt(i + 1);
      if (q.repeats && inner.repeats) nestedRepeat = true;
      if (q.repeats && inner.alternates) repeatedAlternation = true;
      const top = stack[stack.length - 1];
      if (top) {
        top.repeats ||= inner.repeats || q.repeats;
        top.alternates ||= inner.alternates;
      }
      i = q.end;
      continue;
    } else {
      const top = stack[stack.length - 1];
      if (c === "|" && top && stack.length > 1) top.alternates = true;
      i++;
    }
    const q = repeatAt(i);
    if (q.repeats) {
      const top = stack[stack.length - 1];
      if (top) top.repeats = true;
    }
    i = q.end;
  }
  return { groups, nestedRepeat, repeatedAlternation };
}
