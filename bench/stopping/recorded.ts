import { z } from "zod";
import type { Job } from "./families.ts";

/** A file of learning curves recorded from real training runs (written by record.ts, or by hand). */
export const RecordedCurves = z.strictObject({
  name: z.string().min(1),
  direction: z.enum(["minimize", "maximize"]),
  metric: z.string().min(1),
  source: z.string().optional(),
  trials: z
    .array(
      z.strictObject({
        trial: z.string().min(1),
        params: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
        curve: z.array(z.strictObject({ step: z.int().min(1), value: z.number().nullable() })).min(1),
      }),
    )
    .min(2),
});
export type RecordedCurves = z.infer<typeof RecordedCurves>;

/** Parses a recorded-curves file into a job; steps must run 1, 2, 3, ... (null marks a diverged value). */
export function loadRecorded(text: string, where: string): Job {
  const parsed = RecordedCurves.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${where}: not a recorded-curves file: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const curves = parsed.data.trials.map((t, i) => {
    t.curve.forEach((p, j) => {
      if (p.step !== j + 1) throw new Error(`${where}: trials[${i}].curve[${j}].step is ${p.step}, expected ${j + 1} (record every epoch, in order)`);
    });
    return { trial: t.trial, values: t.curve.map((p) => p.value ?? Number.NaN) };
  });
  return { family: parsed.data.name, direction: parsed.data.direction, curves };
}
