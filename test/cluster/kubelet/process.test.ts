import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive as alive } from '../proc-alive.ts';
import { startProcess } from './process.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubelet-proc-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

test('output goes to the log file and the exit code is reported', async () => {
  const logFile = join(dir, 'a', 'main.log');
  const p = startProcess({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 7'], env, cwd: dir, logFile });
  assert.deepEqual(await p.exited, { code: 7, signal: null });
  assert.equal(readFileSync(logFile, 'utf8'), 'out\nerr\n');
});

test('stop: SIGTERM reaches the whole process group, SIGKILL follows the grace period', async () => {
  const pidFile = join(dir, 'child.pid');
  // The shell ignores TERM; its background child is a separate process in the same group.
  const p = startProcess({ argv: ['sh', '-c', `trap '' TERM; sleep 300 & echo $! > ${pidFile}; wait`], env, cwd: dir, logFile: join(dir, 'b.log') });
  while (!alive(p.pid) || readFileSync(pidFile, { flag: 'a+' }).length === 0) await new Promise((r) => setTimeout(r, 20));
  const child = Number(readFileSync(pidFile, 'utf8').trim());
  const exit = await p.stop(300);
  assert.equal(exit.signal, 9, 'the TERM-ignoring shell needed SIGKILL');
  for (let i = 0; i < 50 && alive(child); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(alive(child), false, 'the sleep child died with its group');
});

test('a missing executable is reported as a start error, not a crash', async () => {
  const p = startProcess({ argv: ['definitely-not-a-command-xyz'], env, cwd: dir, logFile: join(dir, 'c.log') });
  const exit = await p.exited;
  assert.match(exit.error ?? '', /ENOENT/);
});
