import { readFileSync } from "node:fs";
import { join } from "node:path";
import { validateCommand, type Io } from "./validate-command.ts";
import type { Terminal } from "./run-command.ts";
import { crdStream } from "../api/crds/definitions.ts";

const USAGE = `kubetune — hyperparameter tuning for Kubernetes

Usage:
  kubetune run <job.yaml> [--parallel N] [--out DIR] [--seed S] [--resume DIR] [--nats URL] [--quiet | --json]
                                  run a TuningJob on this machine, each trial a local process
  kubetune report <run-dir>       regenerate a run's report.html from its results.json
  kubetune report tj/NAME [-n NAMESPACE] [--out DIR]
                                  write results.json, trials.csv and report.html of a TuningJob in the cluster
  kubetune simulate <job.yaml> --curves <run-dir|tj/NAME> [-n NAMESPACE] [--json]
                                  replay recorded learning curves under the job's early stopping and
                                  alternatives: steps saved, best trial kept, ranked
  kubetune dashboard [--namespace N] [--port P]
                                  serve a live, read-only web view of the namespace's TuningJobs on
                                  http://127.0.0.1:8765 (uses your kubeconfig and RBAC, like kubectl proxy)
  kubetune validate <file|->...   check TuningJob manifests; prints every problem with its path
  kubetune controller [--namespaces=a,b] [--nats-url=URL] [--metrics-port=N] ...
                                  run the Kubernetes controller (kubetune controller --help lists its flags)
  kubetune collect                the metrics collector sidecar of a trial Pod (set up by the controller)
  kubetune crds                   print the CustomResourceDefinitions (kubetune crds | kubectl apply -f -)
  kubetune version                print the version
  kubetune help                   show this help
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../../package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** Runs the CLI with the given arguments; returns the process exit code. */
export async function main(argv: string[], io: Io, term?: Terminal): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "run": {
      // Loaded on demand: validate and crds stay fast and free of the runner's imports.
      const { runCommand } = await import("./run-command.ts");
      return runCommand(rest, io, term ?? { isTTY: false, columns: () => 80, onInterrupt: () => () => {}, write: (t) => io.out(t) });
    }
    case "report": {
      const { reportCommand } = await import("./report-command.ts");
      return reportCommand(rest, io);
    }
    case "simulate": {
      const { simulateCommand } = await import("./simulate-command.ts");
      return simulateCommand(rest, io);
    }
    case "controller": {
      // Handlers before the Kubernetes client loads (it takes a moment): as PID 1 in a container a signal
      // without a handler is ignored, so a SIGTERM now would be lost.
      const early = new AbortController();
      const stop = (): void => early.abort();
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
      try {
        // Loaded on demand so that validate and run never load the Kubernetes client.
        const { controllerCommand } = await import("./controller-command.ts");
        return await controllerCommand(rest, io, early.signal);
      } finally {
        process.off("SIGTERM", stop);
        process.off("SIGINT", stop);
      }
    }
    case "dashboard": {
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
      try {
        const { dashboardCommand } = await import("./dashboard-command.ts");
        return await dashboardCommand(rest, io, stop.signal);
      } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
      }
    }
    case "collect": {
      // As for the controller: as PID 1 in a container, a SIGTERM without a handler would be lost.
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
      try {
        const { collectCommand } = await import("./collect-command.ts");
        return await collectCommand(rest, io, process.env, stop.signal);
      } finally {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
      }
    }
    case "validate":
      return validateCommand(rest, io);
    case "crds":
      io.out(crdStream().trimEnd());
      return 0;
    case "version":
    case "--version":
      io.out(version());
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.out(USAGE.trimEnd());
      return command === undefined ? 2 : 0;
    default:
      io.err(`kubetune: unknown command "${command}"\n\n${USAGE.trimEnd()}`);
      return 2;
  }
}
