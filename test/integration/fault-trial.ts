// The trial program of the fault-injection suite (faults-*.test.ts): reports a fixed learning curve
// through the SDK and logs every report JetStream acknowledged, one `acked step=<n> value=<v>` line
// each, so a test can check that each acknowledged report reached its Trial's curve.
// Args: --steps=N (default 20), --interval-ms=N between reports (default 100), --steps-after-stop=N
// (default 0): reports it still makes after a stop request, as a trainer finishing its epoch would.
import { z } from "zod";
import { connectReporter } from "../../trainer/src/sdk/index.ts";
import { paramsHash } from "../cluster/kubelet/synthetic.ts";

const Args = z.strictObject({
  steps: z.coerce.number().int().min(1).max(1000).default(20),
  "interval-ms": z.coerce.number().int().min(0).max(60_000).default(100),
  "steps-after-stop": z.coerce.number().int().min(0).max(1000).default(0),
});

const flags = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([a-z-]+)=(.*)$/.exec(a);
  if (!m) throw new Error(`fault-trial: argument ${JSON.stringify(a)} is not --name=value (known: --steps, --interval-ms, --steps-after-stop)`);
  return [m[1], m[2]];
}));
const args = Args.parse(flags);
const objective = z.string().min(1).parse(process.env.KUBETUNE_OBJECTIVE);
// The same curve shape as the synthetic container: a floor fixed by the parameters plus 1/(step+1).
const floor = paramsHash(process.env.KUBETUNE_PARAMS ?? "{}");

const reporter = await connectReporter();
let stopReason: string | undefined;
let stopAt: number | undefined;
reporter.onStop((reason) => (stopReason = reason));
for (let step = 0; step < args.steps; step++) {
  if (stopReason !== undefined && stopAt === undefined) {
    stopAt = step + args["steps-after-stop"];
    process.stdout.write(`stop requested before step ${step}: ${stopReason}\n`);
  }
  if (stopAt !== undefined && step >= stopAt) break;
  const value = floor + 1 / (step + 1);
  const sent = reporter.stats().sent;
  await reporter.report(step, { [objective]: value });
  if (reporter.stats().sent > sent) process.stdout.write(`acked step=${step} value=${value}\n`);
  else process.stdout.write(`dropped step=${step}\n`);
  await new Promise((r) => setTimeout(r, args["interval-ms"]));
}
await reporter.close();
