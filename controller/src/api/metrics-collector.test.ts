import { test } from "node:test";
import assert from "node:assert/strict";
import { MetricsCollector } from "./metrics-collector.ts";
import { TuningJobSpec } from "./tuningjob.ts";

const problems = (v: unknown) => {
  const r = MetricsCollector.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

test("collector specs: stdout and file, each format", () => {
  assert.deepEqual(problems({ kind: "stdout", format: "keyvalue" }), []);
  assert.deepEqual(problems({ kind: "file", path: "/var/log/train/metrics.log", format: "json" }), []);
  assert.deepEqual(problems({ kind: "stdout", format: "regex", pattern: "loss=(?<loss>\\S+)" }), []);
});

test("collector specs: fields that do not go together are refused with the field at fault", () => {
  assert.match(problems({ kind: "stdout", format: "regex" }).join(), /pattern: is required with format regex/);
  assert.match(problems({ kind: "stdout", format: "json", pattern: "x" }).join(), /pattern: is only used with format regex/);
  assert.match(problems({ kind: "file", format: "json" }).join(), /path: is required with kind file/);
  assert.match(problems({ kind: "stdout", format: "json", path: "/a/b" }).join(), /path: is only used with kind file/);
  assert.match(problems({ kind: "file", format: "json", path: "metrics.log" }).join(), /absolute/);
  assert.match(problems({ kind: "file", format: "json", path: "/m.log" }).join(), /directory below \//);
  assert.match(problems({ kind: "file", format: "json", path: "/a/../b/m.log" }).join(), /normalized/);
});

test("a file in a system directory (its mount would hide the image's /etc, /usr, /proc...) is refused", () => {
  const path = (p: string) => problems({ kind: "file", format: "json", path: p }).join();
  for (const p of ["/etc/passwd", "/proc/self/environ", "/usr/m.log", "/var/m.log", "/dev/shm/m.log", "/run/m.log", "/var/run/m.log"]) assert.match(path(p), /system directory \/[a-z]+/, p);
  // A new directory below one (nothing of the image's is there to hide) is fine.
  for (const p of ["/var/log/train/metrics.log", "/var/run/train/metrics.log", "/etc/train/m.log", "/tmp/m.log", "/etcetera/m.log"]) assert.equal(path(p), "", p);
});

test("a bad pattern is refused at apply time, saying what is wrong", () => {
  const bad = (pattern: string) => problems({ kind: "stdout", format: "regex", pattern }).join();
  assert.match(bad("loss=(?<loss>\\S+"), /not a valid regular expression/);
  assert.match(bad("loss=(\\S+)"), /no metric groups/);
  assert.match(bad("(?<name>\\w+)=(\\S+)"), /without its partner/);
  assert.match(bad("(?<name>\\w+)=(?<value>\\S+) (?<acc>\\S+)"), /mixes/);
  assert.match(bad("(?<$x>\\d)"), /not a valid metric name/);
});

test("patterns prone to catastrophic backtracking (a repeated group that repeats) are refused", () => {
  const bad = (pattern: string) => problems({ kind: "stdout", format: "regex", pattern }).join();
  for (const p of ["(?<loss>(\\d+)+)", "((?<loss>\\w*))*x", "(?<loss>(?:a|\\d+){2,})", "((a+)){3,9}(?<loss>\\d)"]) assert.match(bad(p), /repeats a group/, p);
  for (const p of ["(?<loss>[0-9]+(\\.[0-9]+)?)", "loss[(+*]=(?<loss>\\S+)", "(?:ab)+ (?<loss>\\d+)", "(\\d+){1} (?<loss>\\d)"]) assert.equal(bad(p), "", p);
});

test("a repeated group with alternatives ((a|a)*b backtracks exponentially) is refused; alternatives without repetition are not", () => {
  const bad = (pattern: string) => problems({ kind: "stdout", format: "regex", pattern }).join();
  for (const p of ["(?<loss>x)|(a|a)*b", "(?<loss>\\d)(a|aa)+$", "(?<loss>\\d)(?:(\\s|\\t)x?)*z", "(?<loss>\\d)(?:a|b){2,}"]) assert.match(bad(p), /repeats a group with alternatives/, p);
  for (const p of ["(?<loss>x)|(a|a)b", "(?:loss|val_loss)=(?<loss>\\S+)", "(?<loss>\\d)(a|b){1}", "(?<loss>\\d)[a|b]+"]) assert.equal(bad(p), "", p);
});

test("kind stdout needs the trial container's command (it is wrapped in /bin/sh); kind file does not", () => {
  const spec = (metricsCollector: unknown, command?: string[]) => ({
    objective: { metric: "loss", direction: "minimize" },
    parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
    search: { algorithm: "random" },
    budget: { maxTrials: 1, parallelTrials: 1 },
    trialTemplate: { spec: { containers: [{ name: "train", image: "busybox", ...(command ? { command } : {}) }] } },
    metricsCollector,
  });
  const r = TuningJobSpec.safeParse(spec({ kind: "stdout", format: "keyvalue" }));
  assert.equal(r.success, false);
  assert.deepEqual(r.error?.issues.map((i) => i.path.join(".")), ["trialTemplate.spec.containers.0.command"]);
  assert.match(r.error?.issues[0]?.message ?? "", /must set command with metricsCollector kind stdout.*kind: file/);
  assert.equal(TuningJobSpec.safeParse(spec({ kind: "stdout", format: "keyvalue" }, ["sh", "train.sh"])).success, true);
  assert.equal(TuningJobSpec.safeParse(spec({ kind: "file", path: "/out/m.log", format: "keyvalue" })).success, true);
});
