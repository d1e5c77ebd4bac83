import { readFileSync } from "node:fs";
import { datasetFromCsv } from "./csv.ts";
import type { Dataset } from "./dataset.ts";

/** Fisher's iris data (150 flowers, 4 measurements, 3 species), shipped as iris.csv next to this file. */
export function loadIris(): Dataset {
  const text = readFileSync(new URL("./iris.csv", import.meta.url), "utf8");
  return datasetFromCsv(text, { name: "iris", target: "species", task: "classification" });
}
