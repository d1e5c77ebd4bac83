import { z } from "zod";

// Values arrive as JSON numbers (KUBETUNE_PARAMS) or strings (flags, substituted templates); accept both.
const num = (s: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v), s);

/** Backends the trainer can run on, in the order it tries them. */
export const BACKENDS = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Every hyperparameter and option of kubetune-trainer, with its default. */
export const TrainerParams = z
  .strictObject({
    dataset: z.enum(["iris", "mnist", "synthetic", "csv"]).default("iris"),
    model: z.enum(["mlp", "linear"]).default("mlp"),
    task: z.enum(["classification", "regression"]).optional(),
    csv: z.string().min(1).optional(),
    target: z.string().min(1).optional(),
    epochs: num(z.int().min(1).max(100_000)).default(20),
    learningRate: num(z.number().positive().max(10)).default(0.01),
    batchSize: num(z.int().min(1).max(1 << 20)).default(32),
    dropout: num(z.number().min(0).lt(1)).default(0),
    l1: num(z.number().min(0).max(100)).default(0),
    l2: num(z.number().min(0).max(100)).default(0),
    optimizer: z.enum(["sgd", "adam", "rmsprop"]).default("adam"),
    momentum: num(z.number().min(0).lt(1)).default(0),
    units: num(z.int().min(1).max(8192)).default(64),
    layers: num(z.int().min(0).max(32)).default(1),
    activation: z.enum(["relu", "elu", "selu", "tanh", "sigmoid", "linear"]).default("relu"),
    folds: num(z.int().min(1).max(50)).default(1),
    validationSplit: num(z.number().gt(0).lt(1)).default(0.2),
    seed: num(z.int().min(0).max(2 ** 31 - 1)).default(1),
    samples: num(z.int().min(10)).optional(),
    backend: z.enum(BACKENDS).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.dataset === "csv" && p.csv === undefined) ctx.addIssue({ code: "custom", path: ["csv"], message: "is required with dataset=csv: the path of the CSV file" });
    if (p.dataset === "csv" && p.target === undefined) ctx.addIssue({ code: "custom", path: ["target"], message: "is required with dataset=csv: the name of the column to predict" });
    if (p.dataset !== "csv" && p.dataset !== "synthetic" && p.task === "regression") ctx.addIssue({ code: "custom", path: ["task"], message: `${p.dataset} is a classification dataset; use task=regression with dataset=csv or synthetic` });
  });
export type TrainerParams = z.infer<typeof TrainerParams>;

/** Parameter names, for help text and error messages. */
export const PARAM_NAMES = Object.keys(TrainerParams.shape);

/** Parses `--name=value` and `--name value` flags into raw strings; throws on anything else. */
export function parseFlags(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const m = /^--([A-Za-z][A-Za-z0-9]*)(?:=(.*))?$/s.exec(arg);
    if (!m?.[1]) throw new Error(`unexpected argument ${JSON.stringify(arg)}: use --name=value (e.g. --learningRate=0.01)`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`flag --${m[1]} needs a value: use --${m[1]}=<value>`);
    out[m[1]] = value;
  }
  return out;
}

/**
 * Defaults that differ by dataset (filled in only where neither KUBETUNE_PARAMS nor a flag sets the value):
 * MNIST needs a wider network and bigger batches than iris to reach ≥ 94 % validation accuracy quickly.
 */
export const DATASET_DEFAULTS: Partial<Record<TrainerParams["dataset"], Partial<TrainerParams>>> = {
  mnist: { units: 256, epochs: 10, batchSize: 128, learningRate: 0.002, dropout: 0.3 },
};

/** Validates hyperparameters from KUBETUNE_PARAMS (JSON) and flags (which win); throws a readable Error. */
export function parseParams(paramsJson: string | undefined, argv: readonly string[]): TrainerParams {
  let fromEnv: unknown = {};
  if (paramsJson !== undefined && paramsJson.trim() !== "") {
    try {
      fromEnv = JSON.parse(paramsJson);
    } catch (e) {
      throw new Error(`KUBETUNE_PARAMS is not valid JSON (${(e as Error).message}); expected an object such as {"learningRate":0.01}`);
    }
    if (typeof fromEnv !== "object" || fromEnv === null || Array.isArray(fromEnv)) throw new Error("KUBETUNE_PARAMS must be a JSON object such as {\"learningRate\":0.01}");
  }
  const given = { ...(fromEnv as Record<string, unknown>), ...parseFlags(argv) };
  const dataset = TrainerParams.shape.dataset.safeParse(given.dataset);
  const merged = { ...(dataset.success ? DATASET_DEFAULTS[dataset.data] : {}), ...given };
  const parsed = TrainerParams.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      if (i.code === "unrecognized_keys") return `unknown parameter${i.keys.length > 1 ? "s" : ""} ${i.keys.join(", ")}; known: ${PARAM_NAMES.join(", ")}`;
      const name = i.path.join(".");
      return `${name}=${JSON.stringify((merged as Record<string, unknown>)[String(i.path[0])])}: ${i.message}`;
    });
    throw new Error(`invalid hyperparameters:\n  ${lines.join("\n  ")}`);
  }
  return parsed.data;
}

/** The learning task a run solves: given, or implied by the dataset. */
export function taskOf(p: TrainerParams): "classification" | "regression" {
  return p.task ?? "classification";
}
