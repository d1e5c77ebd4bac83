import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubernetesObject } from "@kubernetes/client-node";
import { stripManagedFields } from "./informers.ts";

test("cached objects lose managedFields and keep everything else", () => {
  const pod: KubernetesObject & { spec: unknown } = {
    metadata: { name: "p", namespace: "ns", resourceVersion: "7", labels: { a: "b" }, managedFields: [{ manager: "kubectl", operation: "Update" }] },
    spec: { containers: [] },
  };
  stripManagedFields(pod);
  assert.deepEqual(pod, { metadata: { name: "p", namespace: "ns", resourceVersion: "7", labels: { a: "b" } }, spec: { containers: [] } });
  stripManagedFields({});
});
