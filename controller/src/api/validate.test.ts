import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { validateYaml, validateObject, parseTuningJob, ManifestError } from "./validate.ts";
import { INVALID_CASES, invalidJob, validJob } from "../../../test/fixtures/invalid-jobs.ts";

const examples = join(import.meta.dirname, "../../../examples");

test("every example validates, examples/sklearn/ included", () => {
  const files = readdirSync(examples, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml"));
  assert.ok(files.length >= 3, "at least three examples");
  assert.ok(files.includes(join("sklearn", "ridge-grid.yaml")), "the examples in subdirectories");
  for (const f of files) {
    const results = validateYaml(readFileSync(join(examples, f), "utf8"));
    assert.deepEqual(results.map((r) => r.problems), [[]], f);
  }
});

test("the fixture job is valid", () => {
  assert.deepEqual(validateObject(validJob()).problems, []);
});

for (const c of INVALID_CASES) {
  test(`refused: ${c.rule}`, () => {
    const problems = validateObject(invalidJob(c)).problems.map((p) => `${p.path}: ${p.message}`);
    assert.deepEqual(problems, [c.expected]);
  });
}

test("defaults are applied when a job is parsed", () => {
  const job = validJob();
  const spec = job.spec as Record<string, Record<string, unknown>>;
  delete spec.budget?.maxFailedTrials;
  delete spec.budget?.parallelTrials;
  const parsed = parseTuningJob(stringify(job), "job.yaml");
  assert.equal(parsed.spec.budget.parallelTrials, 1);
  assert.equal(parsed.spec.budget.maxFailedTrials, 3);
  assert.equal(parsed.spec.parameters[1]?.type === "int" && parsed.spec.parameters[1].scale, "linear");
});

test("unknown fields are named", () => {
  const job = validJob();
  (job.spec as Record<string, unknown>).budgett = {};
  assert.deepEqual(validateObject(job).problems, [{ path: "spec", message: 'unknown field "budgett"' }]);
});

test("a YAML syntax error is reported with its line", () => {
  const [r] = validateYaml("apiVersion: kubetune.io/v1alpha1\nkind: TuningJob\nspec: [unclosed\n");
  assert.ok(r);
  assert.match(r.problems[0]?.path ?? "", /^line \d+$/);
});

test("documents of other kinds are refused with the kinds we know", () => {
  const [r] = validateYaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
  assert.deepEqual(r?.problems, [{ path: "kind", message: 'must be "TuningJob" or "Trial" (apiVersion kubetune.io/v1alpha1), got "ConfigMap"' }]);
});

test("every document of a stream is validated", () => {
  const bad = invalidJob(INVALID_CASES[0]!);
  const results = validateYaml(`${stringify(validJob())}---\n${stringify(bad)}`);
  assert.deepEqual(results.map((r) => r.problems.length), [0, 1]);
});

test("parseTuningJob lists every problem in its error", () => {
  assert.throws(
    () => parseTuningJob(stringify(invalidJob(INVALID_CASES[2]!)), "bad.yaml"),
    (e: unknown) => e instanceof ManifestError && /bad\.yaml is not a valid manifest:\n {2}spec\.parameters\[0\]\.max: must be greater than min \(0\.5\)/.test(e.message),
  );
});

test("a name kubectl reads as a boolean (YAML 1.1: y, yes, on, off…) is refused with the fix; quoted, or a plain string in both, it passes", () => {
  // The fixture's first parameter (lr), renamed where it is declared and where the template uses it.
  const withName = (name: string) => stringify(validJob()).replace(/^(\s*- )name: lr$/m, `$1name: ${name}`).replaceAll("${params.lr}", `\${params.${name.replace(/["']/g, "")}}`);
  assert.deepEqual(validateYaml(withName("rate"))[0]?.problems, [], "the renamed fixture is valid");
  for (const bare of ["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"]) {
    const [r] = validateYaml(withName(bare));
    assert.equal(r?.problems.length, 1, `${bare}: ${JSON.stringify(r?.problems)}`);
    assert.equal(r?.problems[0]?.path, "spec.parameters[0].name");
    assert.match(r?.problems[0]?.message ?? "", new RegExp(`^the unquoted ${bare} is the boolean (true|false) to kubectl \\(YAML 1\\.1\\), so kubectl apply would refuse it .*; write "${bare}" in quotes$`));
  }
  for (const fine of ['"y"', "'on'", "yEs", "oN"]) assert.deepEqual(validateYaml(withName(fine))[0]?.problems, [], fine);
  const nameProblem = (name: string) => validateYaml(withName(name))[0]?.problems.find((p) => p.path === "spec.parameters[0].name")?.message ?? "";
  assert.match(nameProblem("True"), /expected string.*\(the unquoted True is the boolean true; write "True" in quotes for the string\)/);
  assert.match(nameProblem("~"), /\(the unquoted ~ is null; write "~" in quotes for the string\)/);
  assert.throws(() => parseTuningJob(withName("y"), "job.yaml"), /spec\.parameters\[0\]\.name: the unquoted y is the boolean true to kubectl/, "kubetune run refuses what kubectl would");
});

test("good manifests: a warm start from other jobs, and a conditional parameter used through its fallback form", () => {
  const warm = validJob();
  (warm.spec as { search: Record<string, unknown> }).search.warmStart = { jobs: ["earlier", "earlier-2"] };
  assert.deepEqual(validateObject(warm).problems, []);
  const conditional = validJob();
  const spec = conditional.spec as { parameters: Record<string, unknown>[]; trialTemplate: { spec: { containers: { args: string[] }[] } } };
  spec.parameters.push({ name: "momentum", type: "double", min: 0, max: 0.99, when: { parameter: "optimizer", in: ["sgd"] } });
  spec.trialTemplate.spec.containers[0]?.args.push("--momentum=${params.momentum:-0}");
  assert.deepEqual(validateObject(conditional).problems, []);
});

test("a warm start names at most 16 jobs", () => {
  const job = validJob();
  (job.spec as { search: Record<string, unknown> }).search.warmStart = { jobs: Array.from({ length: 17 }, (_, i) => `job-${i}`) };
  assert.deepEqual(validateObject(job).problems, [{ path: "spec.search.warmStart.jobs", message: "must name at most 16 TuningJobs" }]);
});
