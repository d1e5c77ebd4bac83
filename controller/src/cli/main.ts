import { readFileSync } from "node:fs";
import { join } from "node:path";
import { validateCommand, type Io } from "./validate-command.ts";
import { crdStream } from "../api/crds/definitions.ts";

const USAGE = `kubetune — hyperparameter tuning for Kubernetes

Usage:
  kubetune validate <file|->...   check TuningJob manifests; prints every problem with its path
  kubetune crds                   print the CustomResourceDefinitions (kubetune crds | kubectl apply -f -)
  kubetune version                print the version
  kubetune help                   show this help
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../../package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** Runs the CLI with the given arguments; returns the process exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
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
