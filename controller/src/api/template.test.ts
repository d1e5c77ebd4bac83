import { test } from "node:test";
import assert from "node:assert/strict";
import { substituteParams } from "./template.ts";

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
