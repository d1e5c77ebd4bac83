#!/usr/bin/env node
// kubetune-trainer: works under any Node on PATH; see run-ts.mjs.
import { runTs } from "./run-ts.mjs";

await runTs("trainer/src/main.ts");
