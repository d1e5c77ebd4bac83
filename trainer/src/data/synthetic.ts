import type { Dataset } from "./dataset.ts";
import { gaussian, mulberry32 } from "../rng.ts";

/** Shape of a synthetic dataset. */
export interface SyntheticOptions {
  task: "classification" | "regression";
  n: number;
  features: number;
  /** Number of classes (classification only). */
  classes: number;
  /** Standard deviation of the noise around each class centre or regression line. */
  noise: number;
  seed: number;
}

/** Default synthetic data: 600 rows of 8 features, 3 classes — learnable in a few epochs. */
export const SYNTHETIC_DEFAULTS: Omit<SyntheticOptions, "task" | "seed"> = { n: 600, features: 8, classes: 3, noise: 1 };

/**
 * A seeded synthetic dataset: Gaussian blobs around random class centres (classification) or a random
 * linear function plus Gaussian noise (regression). Same options, same data.
 */
export function makeSynthetic(o: SyntheticOptions): Dataset {
  const rand = mulberry32(o.seed);
  const normal = gaussian(rand);
  const x = new Float32Array(o.n * o.features);
  const y = new Float32Array(o.n);
  if (o.task === "classification") {
    const centres = Array.from({ length: o.classes }, () => Array.from({ length: o.features }, () => normal() * 2));
    for (let i = 0; i < o.n; i++) {
      const c = i % o.classes;
      y[i] = c;
      for (let j = 0; j < o.features; j++) x[i * o.features + j] = (centres[c]?.[j] ?? 0) + normal() * o.noise;
    }
  } else {
    const w = Array.from({ length: o.features }, () => normal());
    for (let i = 0; i < o.n; i++) {
      let t = 0.5;
      for (let j = 0; j < o.features; j++) {
        const v = normal();
        x[i * o.features + j] = v;
        t += (w[j] ?? 0) * v;
      }
      y[i] = t + normal() * o.noise;
    }
  }
  const classes = o.task === "classification" ? Array.from({ length: o.classes }, (_, i) => `class_${i}`) : [];
  return { name: "synthetic", task: o.task, n: o.n, features: o.features, x, y, classes, standardize: true };
}
