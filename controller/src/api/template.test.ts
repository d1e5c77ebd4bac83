import { test } from "node:test";
import assert from "node:assert/strict";
import { Parameters } from "./parameters.ts";
import { conditionalReferenceProblem, paramReferences, substituteParams } from "./template.ts";

test("every ${params.x} in every string is replaced, deeply", () => {
  const t = { spec: { containers: [{ args: ["--lr=${params.lr}", "--opt=${params.opt} x${params.lr}"], env: [{ name: "U", value: "${params.units}" }] }] }, n: 3 };
  assert.deepEqual(substituteParams(t, { lr: 0.001, opt: "adam", units: 64 }), {
    spec: { containers: [{ args: ["--lr=0.001", "--opt=adam x0.001"], env: [{ name: "U", value: "64" }] }] },
    n: 3,
  });
});

test("unknown references are left untouched and the template is not mutated", () => {
  const t = { a: "${params.nope} ${params.lr}" };
  assert.deepEqual(substituteParams(t, { lr: 1e-7 }), { a: "${params.nope} 1e-7" });
  assert.equal(t.a, "${params.nope} ${params.lr}");
});

test("${params.x:-text} stands for the value when the trial has x, for the text when it has not (a conditional parameter while inactive)", () => {
  const t = { args: ["--momentum=${params.momentum:-0}", "${params.momentum:-}", "--opt=${params.opt:-adam}", "--tag=${params.tag:-a b-c}"] };
  assert.deepEqual(substituteParams(t, { opt: "sgd", momentum: 0.9 }), { args: ["--momentum=0.9", "0.9", "--opt=sgd", "--tag=a b-c"] });
  assert.deepEqual(substituteParams(t, { opt: "adam" }), { args: ["--momentum=0", "", "--opt=adam", "--tag=a b-c"] });
});

test("a conditional parameter must be referenced with a fallback; an unconditional one may be either way", () => {
  const parameters = Parameters.parse([
    { name: "opt", type: "categorical", values: ["adam", "sgd"] },
    { name: "momentum", type: "double", min: 0, max: 0.99, when: { parameter: "opt", in: ["sgd"] } },
  ]);
  const refs = paramReferences({ args: ["--m=${params.momentum}", "--m=${params.momentum:-0}", "--o=${params.opt}", "--o=${params.opt:-adam}"] }, ["args"]);
  assert.deepEqual(refs.map((r) => [r.name, r.path.join("."), r.fallback]), [["momentum", "args.args.0", false], ["momentum", "args.args.1", true], ["opt", "args.args.2", false], ["opt", "args.args.3", true]]);
  const problems = refs.map((r) => conditionalReferenceProblem(parameters, r));
  assert.match(problems[0] ?? "", /^uses \$\{params\.momentum\} unconditionally, but momentum is conditional \(when opt in \["sgd"\]\)/);
  assert.deepEqual(problems.slice(1), [null, null, null]);
});
