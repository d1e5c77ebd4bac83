/** Terminal styling that switches itself off when the stream is not a TTY or NO_COLOR is set. */
export interface Style {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

/** Creates a style for a stream: colors only on a TTY without NO_COLOR, or with FORCE_COLOR. */
export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  const on = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" ? true : stream.isTTY === true && env.NO_COLOR === undefined;
  const wrap = (open: number, close: number) => (s: string) => (on ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), bold: wrap(1, 22), dim: wrap(2, 22) };
}
