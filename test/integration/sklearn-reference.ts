// Shared by the sklearn-*.test.ts suites: the scikit-learn examples' grids, and scikit-learn's own
// GridSearchCV(cv=5) over them, computed with the venv's python as the reference to match.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";

/** The repository root. */
export const root = join(import.meta.dirname, "../..");

/** The venv test/prereqs.sh creates, with the kubetune SDK and scikit-learn. */
export const venvPython = join(root, ".venv", "bin", "python");
if (!existsSync(venvPython)) throw new Error(`${venvPython} is missing: run bash test/prereqs.sh (it creates .venv with the Python SDK and scikit-learn)`);

const GridExample = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    parameters: z.tuple([z.object({ name: z.literal("alpha"), type: z.literal("discrete"), values: z.array(z.number()) })]),
    trialTemplate: z.object({ spec: z.object({ containers: z.array(z.object({ args: z.array(z.string()) }).loose()).min(1) }).loose() }).loose(),
  }).loose(),
}).loose();

/** An example grid job: its manifest's path and text, its estimator (from --model=) and its alphas. */
export interface GridJob {
  path: string;
  text: string;
  name: string;
  model: string;
  alphas: number[];
}

/** Reads examples/sklearn/<file> as a grid over alpha. */
export function gridJob(file: string): GridJob {
  const path = join(root, "examples", "sklearn", file);
  const text = readFileSync(path, "utf8");
  const job = GridExample.parse(parse(text));
  const model = job.spec.trialTemplate.spec.containers[0]?.args.find((a) => a.startsWith("--model="))?.slice("--model=".length);
  if (model === undefined) throw new Error(`${path}: the trial's args have no --model=`);
  return { path, text, name: job.metadata.name, model, alphas: job.spec.parameters[0].values };
}

const Reference = z.object({
  best_params_: z.object({ alpha: z.number() }),
  best_score_: z.number(),
  mean_test_score: z.array(z.number()),
  std_test_score: z.array(z.number()),
});
/** What GridSearchCV found: best_params_, best_score_, and cv_results_'s mean and std per alpha (in grid order). */
export type Reference = z.infer<typeof Reference>;

const GRID_SEARCH_CV = `
import json, sys
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet, Lasso, Ridge
from sklearn.model_selection import GridSearchCV
model = {"ridge": Ridge, "lasso": Lasso, "elasticnet": ElasticNet}[sys.argv[1]]
X, y = load_diabetes(return_X_y=True)
g = GridSearchCV(model(), {"alpha": json.loads(sys.argv[2])}, cv=5).fit(X, y)
r = g.cv_results_
print(json.dumps({"best_params_": g.best_params_, "best_score_": g.best_score_,
                  "mean_test_score": list(r["mean_test_score"]), "std_test_score": list(r["std_test_score"])}))
`;

/** Runs GridSearchCV(<model>(), {"alpha": alphas}, cv=5) on the diabetes data with the venv's scikit-learn. */
export function gridSearchCV(job: GridJob): Reference {
  const r = spawnSync(venvPython, ["-c", GRID_SEARCH_CV, job.model, JSON.stringify(job.alphas)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`GridSearchCV for ${job.name} failed (exit ${r.status}): ${r.stderr}`);
  return Reference.parse(JSON.parse(r.stdout));
}
