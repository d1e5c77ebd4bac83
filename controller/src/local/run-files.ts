import { join } from "node:path";
import { saveResults, writeAtomic, type Results } from "./results.ts";
import { reportHtml } from "./report-html.ts";

/** The files a run directory holds about its results. */
export const RUN_FILES = ["results.json", "trials.csv", "report.html"] as const;

/**
 * Writes results.json, trials.csv and report.html into `dir`: the one way both a local run's end and
 * `kubetune report tj/NAME` (a cluster job read into the same results) produce them.
 */
export function writeRunFiles(dir: string, results: Results): string[] {
  saveResults(dir, results);
  writeAtomic(join(dir, "report.html"), reportHtml(results));
  return RUN_FILES.map((f) => join(dir, f));
}
