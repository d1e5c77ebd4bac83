/** The package root: this file lives in <root>/bin. */
export declare const PACKAGE_ROOT: string;
/** Whether this Node runs .ts files natively (22.18+ by default, or started with --experimental-strip-types). */
export declare function canStripTypes(version?: string, execArgv?: readonly string[]): boolean;
/** Runs `<root>/<entry>` under a Node that strips types, forwarding arguments, stdio, signals and exit status. */
export declare function runTs(entry: string): Promise<void>;
