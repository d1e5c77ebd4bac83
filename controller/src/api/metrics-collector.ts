import { posix } from "node:path";
import { z } from "zod";
import { MAX_PATTERN_LENGTH, patternShape } from "./collector-pattern.ts";

/** How a collector reads a line: the stdout protocol (`@@kubetune {...}`), `key=value` pairs, or a regex with named groups. */
export const COLLECTOR_FORMATS = ["json", "keyvalue", "regex"] as const;
export type CollectorFormat = (typeof COLLECTOR_FORMATS)[number];

const Format = z
  .enum(COLLECTOR_FORMATS, { error: 'must be "json", "keyvalue" or "regex"' })
  .meta({ description: "json: the stdout protocol lines of `kubetune run` (@@kubetune {...}); keyvalue: lines like `epoch=3 loss=0.2`; regex: `pattern` with named groups." });

const Pattern = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(MAX_PATTERN_LENGTH, { error: `must be at most ${MAX_PATTERN_LENGTH} characters` })
  .superRefine((p, ctx) => {
    const shape = patternShape(p);
    if ("problem" in shape) ctx.addIssue({ code: "custom", message: shape.problem });
  })
  .meta({ description: "For format regex: a JavaScript regular expression with named groups: (?<step>…) optional, then (?<name>…)(?<value>…) or one group per metric, e.g. (?<val_loss>…)." });

/** Directories of every image (or of the kubelet) that the shared directory's mount must not hide. */
const SYSTEM_DIRS = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/run", "/sbin", "/sys", "/usr", "/var", "/var/run"];
/** Kernel filesystems: no directory inside them takes a volume. */
const KERNEL_DIRS = ["/dev", "/proc", "/sys"];

/** The system directory `dir` is (or, for a kernel filesystem, is inside); undefined for any other directory. */
function systemDir(dir: string): string | undefined {
  return SYSTEM_DIRS.find((s) => dir === s) ?? KERNEL_DIRS.find((s) => dir.startsWith(`${s}/`));
}

const FilePath = z
  .string()
  .max(1024, { error: "must be at most 1024 characters" })
  .refine((p) => posix.isAbsolute(p) && posix.normalize(p) === p && !p.endsWith("/"), { error: "must be an absolute, normalized file path, e.g. /var/log/train/metrics.log" })
  .refine((p) => posix.dirname(p) !== "/", { error: "must be in a directory below / (the collector shares that directory with the trial container), e.g. /var/log/train/metrics.log" })
  .superRefine((p, ctx) => {
    const dir = systemDir(posix.dirname(p));
    if (dir !== undefined) ctx.addIssue({ code: "custom", message: `is in the system directory ${dir}: the collector mounts the file's directory into the trial container, which would hide the image's own files there; use a directory of your own, e.g. /var/log/train/metrics.log` });
  })
  .meta({ description: "For kind file: the file the trial container writes its metric lines to; its directory is shared with the collector." });

/**
 * How kubetune reads a trial's metrics without an SDK: from the trial container's stdout, or a file it
 * writes, in one of three line formats. Absent: the trial reports through an SDK.
 */
export const MetricsCollector = z
  .object({
    kind: z.enum(["stdout", "file"], { error: 'must be "stdout" or "file"' }),
    format: Format,
    pattern: Pattern.optional(),
    path: FilePath.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.format === "regex" && c.pattern === undefined) ctx.addIssue({ code: "custom", path: ["pattern"], message: "is required with format regex" });
    if (c.format !== "regex" && c.pattern !== undefined) ctx.addIssue({ code: "custom", path: ["pattern"], message: `is only used with format regex (format is ${c.format}); remove it` });
    if (c.kind === "file" && c.path === undefined) ctx.addIssue({ code: "custom", path: ["path"], message: "is required with kind file: the file the trial writes its metrics to" });
    if (c.kind === "stdout" && c.path !== undefined) ctx.addIssue({ code: "custom", path: ["path"], message: "is only used with kind file; remove it, or set kind: file" });
  })
  .meta({
    description: "Read metrics from the trial's output instead of an SDK (docs/metrics-collector.md).",
    "x-kubernetes-validations": [
      { rule: "self.format == 'regex' ? has(self.pattern) : !has(self.pattern)", message: "pattern is required with format regex, and only used with it" },
      { rule: "self.kind == 'file' ? has(self.path) : !has(self.path)", message: "path is required with kind file, and only used with it" },
    ],
  });
export type MetricsCollector = z.infer<typeof MetricsCollector>;

/** Where a collector problem with the trial template is, and what it is; null when the template suits the collector. */
export function collectorTemplateProblem(c: MetricsCollector, container: { name: string; command?: string[] | undefined } | undefined): string | null {
  if (c.kind !== "stdout" || container === undefined) return null;
  if (container.command === undefined || container.command.length === 0) {
    return `container "${container.name}" must set command with metricsCollector kind stdout: the controller wraps the command in /bin/sh to copy its stdout to the collector, and cannot know an image's entrypoint (or use kind: file, which needs neither command nor shell)`;
  }
  return null;
}

/** One line of the collector's description, for messages: `stdout (format keyvalue)` or `file /x/m.log (format json)`. */
export function describeCollector(c: MetricsCollector): string {
  return `${c.kind === "file" ? `file ${c.path}` : "stdout"} (format ${c.format}${c.pattern !== undefined ? ` ${JSON.stringify(c.pattern)}` : ""})`;
}
