// Whether a local process is still running, for tests that check a Pod's process really stopped.
import { readFileSync } from 'node:fs';

/** True when `pid` is a live process; a zombie (exited, not yet reaped by its parent) counts as dead. */
export function processAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // Format: "pid (comm) S ...": the state letter follows the last ')' (comm may contain spaces).
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}
