/** A supervised dataset held in flat typed arrays (row-major features), ready to become tensors. */
export interface Dataset {
  name: string;
  task: "classification" | "regression";
  /** Number of rows. */
  n: number;
  /** Number of feature columns. */
  features: number;
  /** n × features values, row-major. */
  x: Float32Array;
  /** Class index (classification) or target value (regression), one per row. */
  y: Float32Array;
  /** Class labels by index; empty for regression. */
  classes: string[];
  /** Whether features should be standardized with training-split statistics (false for pixels in [0, 1]). */
  standardize: boolean;
}

/** Rows of a dataset picked by index, in that order. */
export function selectRows(ds: Dataset, rows: Int32Array): { x: Float32Array; y: Float32Array } {
  const d = ds.features;
  const x = new Float32Array(rows.length * d);
  const y = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    x.set(ds.x.subarray(r * d, (r + 1) * d), i * d);
    y[i] = ds.y[r] as number;
  });
  return { x, y };
}

/** Keeps the first `limit` rows of each class in turn (round robin), so a smaller set stays balanced. */
export function limitRows(ds: Dataset, limit: number | undefined): Dataset {
  if (limit === undefined || limit >= ds.n) return ds;
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < ds.n; i++) {
    const c = ds.task === "classification" ? (ds.y[i] as number) : 0;
    (byClass.get(c) ?? byClass.set(c, []).get(c) ?? []).push(i);
  }
  const queues = [...byClass.values()];
  const picked: number[] = [];
  for (let k = 0; picked.length < limit; k++) {
    for (const q of queues) if (k < q.length && picked.length < limit) picked.push(q[k] as number);
  }
  const { x, y } = selectRows(ds, Int32Array.from(picked));
  return { ...ds, n: picked.length, x, y };
}
