import { test } from "node:test";
import assert from "node:assert/strict";
import { ResourceTrialTemplate } from "./trial-resource.ts";

const problems = (successCondition: string): string => {
  const r = ResourceTrialTemplate.safeParse({ resource: { apiVersion: "batch/v1", kind: "Job", spec: {} }, successCondition });
  return r.success ? "" : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
};

// The controller evaluates conditions on its own event loop at every reconcile: one condition whose cost
// grows faster than the object it reads would stall every TuningJob in the cluster.
const digits = "[0,1,2,3,4,5,6,7,8,9]";
const nested = (depth: number): string => (depth === 0 ? "false" : `${digits}.exists(x${depth}, ${nested(depth - 1)})`);

test("a condition nesting comprehensions (10^12 steps in 450 characters) is refused", () => {
  assert.match(problems(nested(12)), /successCondition: .*nests exists\(\) inside another comprehension/);
  assert.match(problems("object.spec.a.all(x, object.spec.b.exists(y, x == y))"), /nests exists\(\)/);
});

test("a condition using matches() is refused: JavaScript regular expressions can backtrack exponentially", () => {
  assert.match(problems("'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'.matches('(a|a)*b')"), /uses matches\(\).*startsWith/);
  assert.match(problems("matches(object.metadata.name, 'x')"), /uses matches\(\)/);
});

test("map, filter and cel.bind are refused: chained, they grow a value exponentially", () => {
  const doubling = `[[1]]${".map(x, x + x)".repeat(60)}.size() > 0`;
  assert.match(problems(doubling), /uses map\(\)/);
  assert.match(problems("object.spec.a.filter(x, x > 1).size() > 0"), /uses filter\(\)/);
  assert.match(problems("cel.bind(a, object.spec.a, a + a + a == a)"), /uses bind\(\)/);
});

test("a comprehension body reading object (each step costs the whole object again) is refused", () => {
  assert.match(problems("object.spec.a.exists(x, x in object.spec.a)"), /reads object inside exists\(\).*only its variable/);
});

test("the conditions kubetune and its users write are accepted", () => {
  for (const c of [
    "has(object.status) && has(object.status.conditions) && object.status.conditions.exists(c, c.type == 'Complete' && c.status == 'True')",
    "object.status.succeeded >= 1",
    "object.status.replicatedJobsStatus.all(r, r.succeeded == r.ready) && size(object.status.replicatedJobsStatus) > 0",
    "object.status.conditions.exists_one(c, c.type.startsWith('Fail'))",
    "has(object.status.failed) && object.status.failed > 0",
  ]) assert.equal(problems(c), "", c);
});
