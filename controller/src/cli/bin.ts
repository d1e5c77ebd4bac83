#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { main } from "./main.ts";
import { styleFor } from "../local/style.ts";

const code = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  style: styleFor(process.stderr),
  stdin: () => readFileSync(0, "utf8"),
}, {
  isTTY: process.stderr.isTTY === true,
  columns: () => process.stderr.columns ?? 100,
  onInterrupt(handler) {
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
    return () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    };
  },
  write: (text) => process.stderr.write(text),
});
process.exitCode = code;
