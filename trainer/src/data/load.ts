import { readFileSync } from "node:fs";
import type { TrainerParams } from "../params.ts";
import { taskOf } from "../params.ts";
import { datasetFromCsv } from "./csv.ts";
import { limitRows } from "./dataset.ts";
import type { Dataset } from "./dataset.ts";
import { loadIris } from "./iris.ts";
import { loadMnist } from "./mnist.ts";
import { makeSynthetic, SYNTHETIC_DEFAULTS } from "./synthetic.ts";

/** Loads the dataset the parameters name, keeping at most `samples` rows when set. */
export function loadDataset(p: TrainerParams): Dataset {
  return limitRows(load(p), p.samples);
}

function load(p: TrainerParams): Dataset {
  switch (p.dataset) {
    case "iris":
      return loadIris();
    case "mnist":
      return loadMnist();
    case "synthetic":
      return makeSynthetic({ ...SYNTHETIC_DEFAULTS, n: p.samples ?? SYNTHETIC_DEFAULTS.n, task: taskOf(p), seed: p.seed });
    case "csv": {
      const path = p.csv ?? "";
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch (e) {
        throw new Error(`cannot read csv=${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; pass the path of a CSV file with a header row`);
      }
      return datasetFromCsv(text, { name: path, target: p.target ?? "", task: taskOf(p) });
    }
  }
}
