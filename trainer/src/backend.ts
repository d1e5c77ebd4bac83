import { existsSync } from "node:fs";
import type * as Tf from "@tensorflow/tfjs";
import { BACKENDS } from "./params.ts";
import type { BackendName } from "./params.ts";

/** The TensorFlow.js namespace the trainer computes with. */
export type TfModule = typeof Tf;

/** One way to obtain a working TensorFlow.js; `load` throws when it is not available here. */
export interface BackendCandidate {
  name: BackendName;
  load: () => Promise<TfModule>;
}

/** The backend in use and why the ones before it were skipped. */
export interface LoadedBackend {
  name: BackendName;
  tf: TfModule;
  skipped: { name: BackendName; reason: string }[];
}

// A specifier held in a variable keeps TypeScript from requiring optional packages at build time.
async function importOptional(pkg: string): Promise<TfModule> {
  try {
    return (await import(pkg)) as TfModule;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === "ERR_MODULE_NOT_FOUND" ? `${pkg} is not installed` : `${pkg} failed to load: ${(e as Error).message.split("\n")[0]}`);
  }
}

async function pureJs(backend: "wasm" | "cpu"): Promise<TfModule> {
  const tf = await import("@tensorflow/tfjs");
  if (backend === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend("${backend}") failed`);
  await tf.ready();
  return tf;
}

/** Whether an NVIDIA GPU is visible to this process (device nodes exist, as in a GPU Pod). */
export function gpuVisible(): boolean {
  return existsSync("/dev/nvidiactl") || existsSync("/dev/nvidia0");
}

/** The real candidates, fastest first: native CUDA, native CPU, WebAssembly, pure JavaScript. */
export function defaultCandidates(): BackendCandidate[] {
  return [
    {
      name: "tensorflow-gpu",
      load: async () => {
        if (!gpuVisible()) throw new Error("no NVIDIA GPU is visible");
        return importOptional("@tensorflow/tfjs-node-gpu");
      },
    },
    { name: "tensorflow", load: () => importOptional("@tensorflow/tfjs-node") },
    { name: "wasm", load: () => pureJs("wasm") },
    { name: "cpu", load: () => pureJs("cpu") },
  ];
}

/**
 * Loads the first candidate that works, or only `only` when a backend is forced (then failing is an
 * error: a benchmark or test asked for exactly that backend).
 */
export async function selectBackend(candidates: readonly BackendCandidate[], only?: BackendName): Promise<LoadedBackend> {
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const c of candidates) {
    if (only !== undefined && c.name !== only) continue;
    try {
      return { name: c.name, tf: await c.load(), skipped };
    } catch (e) {
      skipped.push({ name: c.name, reason: (e as Error).message });
    }
  }
  const tried = skipped.map((s) => `${s.name}: ${s.reason}`).join("; ");
  throw new Error(only !== undefined ? `backend=${only} is not available (${tried || "unknown backend"}); choose one of ${BACKENDS.join(", ")} or leave it unset` : `no TensorFlow.js backend could be loaded (${tried})`);
}
