// The image table: how the process kubelet turns a container image into a local command.
// An entry plays the role of the image's ENTRYPOINT/CMD and filesystem (PATH, working directory).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const entryFields = {
  /** Used when the container has no `command` (the image's ENTRYPOINT). */
  command: z.array(z.string()).min(1).optional(),
  /** Used when the container has neither `command` nor `args` (the image's CMD). */
  args: z.array(z.string()).optional(),
  /** Prepended to PATH, so bare command names resolve to the repo's tools. */
  pathPrepend: z.array(z.string()).default([]),
  /** Working directory when the container sets no `workingDir`. */
  cwd: z.string().optional(),
  /** Run the container inside the kubelet instead of as a process (see synthetic.ts); its args are the builtin's. */
  builtin: z.literal('synthetic').optional(),
};

const ImageEntry = z.strictObject({
  /** Glob(s) over the full image reference; `*` matches any run of characters. */
  match: z.union([z.string(), z.array(z.string()).min(1)]),
  ...entryFields,
});

export const ImageTable = z.strictObject({
  images: z.array(ImageEntry).default([]),
  default: z.strictObject(entryFields).default({ pathPrepend: [] }),
});
export type ImageTable = z.infer<typeof ImageTable>;

export type ResolvedCommand = { argv: string[]; pathPrepend: string[]; cwd: string | undefined };
/** A container run inside the kubelet: which builtin, and its args. */
export type ResolvedBuiltin = { builtin: 'synthetic'; args: string[] };
export type ContainerSpec = { name: string; image?: string; command?: string[]; args?: string[] };

/** Parses an image table, replacing `{repo}` with the repository root; throws with the file and field at fault. */
export function parseImageTable(json: unknown, repoRoot: string, source: string): ImageTable {
  const parsed = ImageTable.safeParse(json);
  if (!parsed.success) {
    throw new Error(`invalid image table ${source}: ${z.prettifyError(parsed.error)}`);
  }
  const sub = (s: string): string => s.replaceAll('{repo}', repoRoot);
  const subEntry = <T extends { pathPrepend: string[]; cwd?: string | undefined }>(e: T): T => ({
    ...e,
    pathPrepend: e.pathPrepend.map(sub),
    ...(e.cwd === undefined ? {} : { cwd: sub(e.cwd) }),
  });
  return { images: parsed.data.images.map(subEntry), default: subEntry(parsed.data.default) };
}

/** Reads and parses an image table file. */
export function loadImageTable(path: string, repoRoot: string): ImageTable {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read image table ${path}: ${(err as Error).message}`);
  }
  return parseImageTable(json, repoRoot, path);
}

/** True when `image` matches the glob `pattern` (only `*` is special). */
export function globMatch(pattern: string, image: string): boolean {
  const re = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${re}$`).test(image);
}

function entryFor(image: string, table: ImageTable): ImageTable['default'] {
  return table.images.find((e) => (Array.isArray(e.match) ? e.match : [e.match]).some((p) => globMatch(p, image))) ?? table.default;
}

/** The builtin a container runs inside the kubelet (its image maps to one and it sets no `command`), else undefined. */
export function resolveBuiltin(container: ContainerSpec, table: ImageTable): ResolvedBuiltin | undefined {
  const entry = entryFor(container.image ?? '', table);
  if (entry.builtin === undefined || container.command !== undefined) return undefined;
  return { builtin: entry.builtin, args: container.args ?? entry.args ?? [] };
}

/**
 * Resolves what to run for a container, with Docker's ENTRYPOINT/CMD rules: the container's
 * `command` replaces the entry's command and drops its default args; `args` replace default args.
 * Throws when there is nothing to run (an unknown image and no `command`).
 */
export function resolveCommand(container: ContainerSpec, table: ImageTable): ResolvedCommand {
  const image = container.image ?? '';
  const entry = entryFor(image, table);
  const command = container.command ?? entry.command;
  const args = container.command !== undefined ? (container.args ?? []) : (container.args ?? entry.args ?? []);
  if (command === undefined || command.length === 0) {
    throw new Error(
      `container "${container.name}": image "${image}" is not in the process kubelet's image table and the container sets no command; ` +
        'set spec.containers[].command, or add the image to test/cluster/kubelet/images.json (or $KUBETUNE_KUBELET_IMAGES)',
    );
  }
  return { argv: [...command, ...args], pathPrepend: entry.pathPrepend, cwd: entry.cwd };
}
