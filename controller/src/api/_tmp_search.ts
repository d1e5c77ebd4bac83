import { z } from "zod";
export const SearchSpec = z.strictObject({ algorithm: z.enum(["grid", "random", "sobol", "bayesian", "tpe"], { error: 'must be one of "grid", "random", "sobol", "bayesian", "tpe"' }), seed: z.int().optional(), settings: z.record(z.string(), z.unknown()).optional() });
