// Summarises a V8 .cpuprofile (from `bench:controller --profile=DIR`): self and inclusive time by
// function and self time by package, so a controller's CPU per trial can be attributed.
//   node bench/controller/cpuprofile.ts FILE.cpuprofile [--top=40]
import { readFileSync } from "node:fs";
import { z } from "zod";

const Profile = z.object({
  nodes: z.array(z.object({
    id: z.number(),
    callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    children: z.array(z.number()).optional(),
  })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
type Profile = z.infer<typeof Profile>;

/** Per function (name, file, line): self and inclusive microseconds; recursion counts once per sample. */
export interface FunctionTime {
  key: string;
  selfUs: number;
  totalUs: number;
}

/** Where a script lives: a package under node_modules, `node:` internals, or this repository. */
export function packageOf(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1] as string;
  if (url === "") return "(native/VM)";
  if (url.startsWith("node:")) return "node:*";
  const repo = /\/(controller|trainer|bench|test)\/src?\/?([^/]+)?/.exec(url);
  return repo ? `${repo[1]}/${repo[2] ?? ""}` : url;
}

/** Aggregates a profile by function and by package (self time). */
export function summarise(p: Profile): { byFunction: FunctionTime[]; byPackage: [string, number][]; totalUs: number } {
  const parent = new Map<number, number>();
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (id: number): string => {
    const f = (byId.get(id) as Profile["nodes"][number]).callFrame;
    const file = f.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(controller|bench|test|trainer)\//, "$1/");
    return `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
  };
  const fns = new Map<string, FunctionTime>();
  const pkgs = new Map<string, number>();
  let totalUs = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    totalUs += dt;
    const self = key(id);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = key(at);
      if (seen.has(k)) continue;
      seen.add(k);
      const e = fns.get(k) ?? { key: k, selfUs: 0, totalUs: 0 };
      e.totalUs += dt;
      if (k === self) e.selfUs += dt;
      fns.set(k, e);
    }
    const pkg = packageOf((byId.get(id) as Profile["nodes"][number]).callFrame.url);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + dt);
  });
  return { byFunction: [...fns.values()], byPackage: [...pkgs].sort((a, b) => b[1] - a[1]), totalUs };
}

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error("usage: cpuprofile.ts FILE.cpuprofile [--top=N]");
  const top = Number(/^--top=(\d+)$/.exec(process.argv[3] ?? "")?.[1] ?? 40);
  const s = summarise(Profile.parse(JSON.parse(readFileSync(file, "utf8"))));
  const ms = (us: number): string => (us / 1000).toFixed(0).padStart(8);
  const pct = (us: number): string => `${((100 * us) / s.totalUs).toFixed(1).padStart(5)}%`;
  console.log(`profile ${file}: ${(s.totalUs / 1e6).toFixed(1)} s sampled\n\nself time by package:`);
  for (const [pkg, us] of s.byPackage.slice(0, 20)) console.log(`${ms(us)} ms ${pct(us)}  ${pkg}`);
  console.log("\nself time by function:");
  for (const f of [...s.byFunction].sort((a, b) => b.selfUs - a.selfUs).slice(0, top)) console.log(`${ms(f.selfUs)} ms ${pct(f.selfUs)}  ${f.key}`);
  console.log("\ninclusive time by function:");
  for (const f of [...s.byFunction].sort((a, b) => b.totalUs - a.totalUs).slice(0, top)) console.log(`${ms(f.totalUs)} ms ${pct(f.totalUs)}  ${f.key}`);
}

if (import.meta.main) main();
