// How much controller CPU a trial costs that reports its steps backwards (a hostile or confused trial,
// or a collector reading a log whose step counts down): `node bench/engine/out-of-order.ts [N]`.
// Prints the tuner's CPU time for N descending reports next to N ascending ones, and their ratio.
import { TuningJobSpec } from "../../controller/src/api/tuningjob.ts";
import { createTuner } from "../../controller/src/engine/tuner.ts";

const spec = TuningJobSpec.parse({
  objective: { metric: "loss", direction: "minimize" },
  parameters: [{ name: "x", type: "double", min: 0, max: 1 }],
  search: { algorithm: "random", seed: 3 },
  budget: { maxTrials: 1, parallelTrials: 1 },
  trialTemplate: { spec: { containers: [{ name: "t", image: "i", command: ["run"] }] } },
});

/** CPU milliseconds the tuner spends taking `steps` as one trial's reports, in that order. */
async function cpuMs(steps: readonly number[]): Promise<number> {
  const t = createTuner({ job: "j", spec });
  await t.next();
  t.started("j-00000");
  const start = process.cpuUsage();
  for (const s of steps) t.report("j-00000", s, { loss: s });
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const n = Number(process.argv[2] ?? 20_000);
const ascending = Array.from({ length: n }, (_, i) => i + 1);
const up = await cpuMs(ascending);
const down = await cpuMs(ascending.toReversed());
console.log(`${n} reports of one trial: ascending steps ${up.toFixed(0)} ms CPU, descending ${down.toFixed(0)} ms CPU (${(down / up).toFixed(1)}×)`);
