import { test } from "node:test";
import assert from "node:assert/strict";
import { checkLayers, formatViolation } from "./rules.ts";
import { sourceFacts } from "./source.ts";

/** The violations of in-memory files, as `path:line: what`. */
const check = (files: Record<string, string>): string[] =>
  checkLayers(Object.entries(files).map(([path, text]) => sourceFacts(path, text))).map((v) => `${v.path}:${v.line}: ${v.what}`);

test("imports, re-exports and dynamic imports are all seen, with their lines", () => {
  const facts = sourceFacts("controller/src/api/x.ts", 'import { z } from "zod";\nexport * from "./y.ts";\nimport type { T } from "../kube/t.ts";\nconst m = await import("node:fs");\n');
  assert.deepEqual(facts.imports, [
    { specifier: "zod", line: 1 },
    { specifier: "./y.ts", line: 2 },
    { specifier: "../kube/t.ts", line: 3 },
    { specifier: "node:fs", line: 4 },
  ]);
  assert.equal(facts.lines, 4);
});

test("api/ may import only api/ and packages that do no I/O", () => {
  assert.deepEqual(
    check({
      "controller/src/api/a.ts": [
        'import { z } from "zod";',
        'import { b } from "./b.ts";',
        'import { S } from "../engine/search/settings.ts";',
        'import type { J } from "@nats-io/jetstream";',
        'import { readFileSync } from "node:fs";',
        'import { createHmac } from "node:crypto";',
        'import { spawn } from "child_process";',
      ].join("\n"),
    }),
    [
      "controller/src/api/a.ts:3: api/ imports controller/src/engine/search/settings.ts",
      "controller/src/api/a.ts:4: api/ imports @nats-io/jetstream, which does I/O",
      "controller/src/api/a.ts:5: api/ imports node:fs, which does I/O",
      "controller/src/api/a.ts:7: api/ imports child_process, which does I/O",
    ],
  );
});

test("the engine may import api/ and itself; telemetry api/ and itself", () => {
  assert.deepEqual(
    check({
      "controller/src/engine/search/a.ts": 'import "../../api/x.ts";\nimport "../stopping/y.ts";\nimport "../../telemetry/log.ts";\nimport "@kubernetes/client-node";',
      "controller/src/telemetry/m.ts": 'import "../api/x.ts";\nimport "./log.ts";\nimport "../engine/job.ts";',
    }),
    [
      "controller/src/engine/search/a.ts:3: engine/ imports controller/src/telemetry/log.ts",
      "controller/src/engine/search/a.ts:4: engine/ imports @kubernetes/client-node, which does I/O",
      "controller/src/telemetry/m.ts:3: telemetry/ imports controller/src/engine/job.ts",
    ],
  );
});

test("ingest never imports kube/; kube and local never import cli/ or each other's shell", () => {
  assert.deepEqual(
    check({
      "controller/src/ingest/c.ts": 'import "../kube/workqueue.ts";\nimport "../backoff.ts";\nimport "../engine/tuner.ts";\nimport "../telemetry/log.ts";\nimport "@nats-io/jetstream";',
      "controller/src/kube/k.ts": 'import "../ingest/metrics-target.ts";\nimport "../local/results.ts";\nimport "../cli/main.ts";',
      "controller/src/local/v.ts": 'import "../cli/style.ts";\nimport "../kube/objects.ts";\nimport "../ingest/signature.ts";\nimport "node:child_process";',
    }),
    [
      "controller/src/ingest/c.ts:1: ingest/ imports controller/src/kube/workqueue.ts",
      "controller/src/kube/k.ts:2: kube/ imports controller/src/local/results.ts",
      "controller/src/kube/k.ts:3: kube/ imports controller/src/cli/main.ts",
      "controller/src/local/v.ts:1: local/ imports controller/src/cli/style.ts",
      "controller/src/local/v.ts:2: local/ imports controller/src/kube/objects.ts",
    ],
  );
});

test("observe/ may read kube/ and local/ but never the CLI, ingest or the collector", () => {
  assert.deepEqual(
    check({
      "controller/src/observe/o.ts": 'import "../kube/http.ts";\nimport "../local/results.ts";\nimport "../engine/job.ts";\nimport "../backoff.ts";\nimport "../cli/main.ts";\nimport "../ingest/nats.ts";\nimport "../collect/lines.ts";',
    }),
    [
      "controller/src/observe/o.ts:5: observe/ imports controller/src/cli/main.ts",
      "controller/src/observe/o.ts:6: observe/ imports controller/src/ingest/nats.ts",
      "controller/src/observe/o.ts:7: observe/ imports controller/src/collect/lines.ts",
    ],
  );
});

test("the trainer may take only the wire protocol from the controller", () => {
  assert.deepEqual(
    check({
      "trainer/src/sdk/a.ts": 'import "../../../controller/src/api/metrics.ts";\nimport "../../../controller/src/api/report-signature.ts";\nimport "../../../controller/src/api/trial.ts";\nimport "../data/csv.ts";',
      "trainer/src/b.ts": 'import "../../controller/src/engine/job.ts";',
    }),
    ["trainer/src/sdk/a.ts:3: trainer/src imports controller/src/api/trial.ts", "trainer/src/b.ts:1: trainer/src imports controller/src/engine/job.ts"],
  );
});

test("files over 300 lines and functions over 120 lines are reported; tests are exempt from every rule", () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join("\n");
  const long = `export function big() {\n${body(119)}\n}\nconst arrow = () => {\n${body(118)}\n};\n`;
  assert.deepEqual(check({ "controller/src/engine/f.ts": long, "controller/src/engine/f.test.ts": long + 'import "../kube/x.ts";\n' }), [
    "controller/src/engine/f.ts:1: function big spans 121 lines (limit 120)",
  ]);
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `export const c${i} = ${i};`).join("\n") + "\n";
  assert.deepEqual(check({ "controller/src/api/ok.ts": lines(300), "controller/src/api/big.ts": lines(301) }), ["controller/src/api/big.ts:1: file has 301 lines (limit 300)"]);
});

test("each violation prints as file:line: what, and why the rule exists", () => {
  const [v] = checkLayers([sourceFacts("controller/src/local/v.ts", 'import "../cli/style.ts";')]);
  assert.ok(v);
  assert.match(formatViolation(v), /^controller\/src\/local\/v\.ts:1: local\/ imports controller\/src\/cli\/style\.ts \(why: .*wired by the CLI/);
});

test("collect/ may import api/, telemetry/, itself and package.json; nothing else, and no other layer may import package.json", () => {
  assert.deepEqual(
    check({
      "controller/src/collect/a.ts": [
        'import pkg from "../../../package.json" with { type: "json" };',
        'import { M } from "../api/metrics.ts";',
        'import { L } from "../telemetry/log.ts";',
        'import { trialPod } from "../kube/objects.ts";',
        'import { b } from "./b.ts";',
      ].join("\n"),
      "controller/src/ingest/c.ts": 'import pkg from "../../../package.json" with { type: "json" };',
    }),
    ["controller/src/collect/a.ts:4: collect/ imports controller/src/kube/objects.ts", "controller/src/ingest/c.ts:1: ingest/ imports package.json, outside controller/src"],
  );
});
