import { MAX_LINE_LENGTH } from "./line-format.ts";

/** Splits a byte stream into lines, keeping memory bounded: a line past `max` characters is cut to max + 1 (so it reads as too long) and its rest skipped. */
export interface LineSplitter {
  /** The complete lines that this chunk ends. */
  push(chunk: Uint8Array): string[];
  /** The last line when the stream ended without a newline. */
  end(): string[];
}

/** Creates a splitter (UTF-8, `\n`-terminated lines, a character split across chunks is kept whole). */
export function lineSplitter(max = MAX_LINE_LENGTH): LineSplitter {
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  let skipping = false;
  const take = (text: string): string[] => {
    const out: string[] = [];
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      const piece = text.slice(start, nl);
      if (!skipping) out.push(pending + piece);
      pending = "";
      skipping = false;
      start = nl + 1;
    }
    if (!skipping) {
      pending += text.slice(start);
      if (pending.length > max) {
        out.push(pending.slice(0, max + 1));
        pending = "";
        skipping = true;
      }
    }
    return out;
  };
  return {
    push: (chunk) => take(decoder.decode(chunk, { stream: true })),
    end() {
      const out = take(decoder.decode());
      if (pending !== "") out.push(pending);
      pending = "";
      return out;
    },
  };
}
