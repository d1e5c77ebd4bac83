/** The stopping settings `kubetune simulate` tries beside a job's own: one change at a time, and the other rule. */
import { EarlyStoppingSpec, defaultMinResource } from "../../api/stopping-settings.ts";
import { fmt } from "../format.ts";

/** A setting to replay: a label for people and the parsed `spec.earlyStopping`. */
export interface Candidate {
  label: string;
  spec: EarlyStoppingSpec;
}

/** A one-line description of a stopping setting: `asha η 3, minResource 4, maxResource 36, rankBy prediction`. */
export function describeStopping(spec: EarlyStoppingSpec): string {
  switch (spec.algorithm) {
    case "none":
      return "none";
    case "median": {
      const s = spec.settings;
      return `median startStep ${s.startStep}, minTrials ${s.minTrials}, interval ${s.interval}, compare ${s.compare}`;
    }
    case "asha": {
      const s = spec.settings;
      const max = s.maxResource === undefined ? "maxResource unset" : `maxResource ${s.maxResource}`;
      const min = s.minResource === undefined ? "minResource default" : `minResource ${fmt(s.minResource)}`;
      return `asha η ${s.reductionFactor}, ${min}, ${max}, rankBy ${s.rankBy}${s.brackets > 1 ? `, ${s.brackets} brackets` : ""}`;
    }
  }
}

/** Raw settings that vary `own` one at a time, and the other rule with its defaults. */
function variations(own: EarlyStoppingSpec, fullSteps: number): unknown[] {
  if (own.algorithm === "asha") {
    const s = own.settings;
    const max = s.maxResource ?? fullSteps;
    const min = s.minResource ?? defaultMinResource(s.reductionFactor, max);
    const asha = (change: object) => ({ algorithm: "asha", settings: { ...s, ...change } });
    return [
      ...(s.maxResource === undefined ? [asha({ maxResource: max, minResource: undefined })] : []),
      ...[2, 3, 4].filter((eta) => eta !== s.reductionFactor).map((eta) => asha({ reductionFactor: eta, minResource: defaultMinResource(eta, max), maxResource: max })),
      asha({ minResource: Math.max(1, Math.floor(min / s.reductionFactor)), maxResource: max }),
      asha({ minResource: min * s.reductionFactor, maxResource: max }),
      asha({ minResource: min, maxResource: max, rankBy: s.rankBy === "prediction" ? "value" : "prediction" }),
      { algorithm: "median" },
    ];
  }
  if (own.algorithm === "median") {
    const s = own.settings;
    const median = (change: object) => ({ algorithm: "median", settings: { ...s, ...change } });
    return [
      median({ startStep: Math.max(1, Math.floor(s.startStep / 2)) }),
      median({ startStep: s.startStep * 2 }),
      median({ minTrials: s.minTrials === 3 ? 8 : 3 }),
      median({ compare: s.compare === "prediction" ? "runningAverage" : "prediction" }),
      { algorithm: "asha", settings: { maxResource: fullSteps } },
    ];
  }
  return [];
}

/**
 * The job's own setting first, then its alternatives that are valid and different from it and from each
 * other. `fullSteps`: how long a full trial runs (the longest succeeded curve), for settings that need it.
 */
export function candidatesFor(own: EarlyStoppingSpec, fullSteps: number): Candidate[] {
  const out: Candidate[] = [{ label: describeStopping(own), spec: own }];
  const seen = new Set([JSON.stringify(own)]);
  for (const raw of variations(own, fullSteps)) {
    const parsed = EarlyStoppingSpec.safeParse(raw);
    if (!parsed.success) continue;
    const key = JSON.stringify(parsed.data);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ label: describeStopping(parsed.data), spec: parsed.data });
  }
  return out;
}
