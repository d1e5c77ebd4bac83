import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMetricMessage } from '../../../controller/src/api/metrics.ts';
import { paramsHash, parseSyntheticArgs, startSynthetic, syntheticReports, syntheticTrial, type SyntheticBus, type SyntheticTrial } from './synthetic.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubelet-synth-'));
const trial: SyntheticTrial = { natsUrl: 'nats://x:4222', namespace: 'ns', job: 'j', trial: 'j-00001', objective: 'val_loss', params: '{"lr":0.1}' };

/** An in-memory bus recording publishes; `control` delivers a message to the subscribers of a subject. */
function fakeBus(failPublish = false) {
  const published: { url: string; subject: string; body: string; msgId: string }[] = [];
  const subs = new Map<string, (d: Uint8Array) => void>();
  const bus: SyntheticBus = {
    publish: async (url, subject, body, msgId) => {
      if (failPublish) throw new Error('no responders');
      published.push({ url, subject, body, msgId });
    },
    subscribe: async (_url, subject, onMessage) => {
      subs.set(subject, onMessage);
      return () => subs.delete(subject);
    },
  };
  const control = (subject: string, body: string): void => subs.get(subject)?.(new TextEncoder().encode(body));
  return { bus, published, subs, control };
}

test('args: defaults, flags, and refusals that name the flag', () => {
  assert.deepEqual(parseSyntheticArgs([]), { steps: 3, intervalMs: 100, exitCode: 0 });
  assert.deepEqual(parseSyntheticArgs(['--steps=5', '--interval-ms=0', '--exit-code=2']), { steps: 5, intervalMs: 0, exitCode: 2 });
  assert.throws(() => parseSyntheticArgs(['--steps=0']), /steps/);
  assert.throws(() => parseSyntheticArgs(['--bogus=1']), /bogus/);
  assert.throws(() => parseSyntheticArgs(['steps']), /not --name=value/);
});

test('the trial comes from the KUBETUNE_* environment; a missing variable is named', () => {
  const env = new Map([['KUBETUNE_NATS_URL', 'nats://x:4222'], ['KUBETUNE_NAMESPACE', 'ns'], ['KUBETUNE_JOB', 'j'], ['KUBETUNE_TRIAL', 'j-00001'], ['KUBETUNE_OBJECTIVE', 'val_loss'], ['KUBETUNE_PARAMS', '{"lr":0.1}']]);
  assert.deepEqual(syntheticTrial(env), trial);
  env.delete('KUBETUNE_TRIAL');
  assert.throws(() => syntheticTrial(env), /KUBETUNE_TRIAL/);
});

test('reports are valid SDK messages: steps 0..n-1, a decreasing objective fixed by the params, the last final', () => {
  const r = syntheticReports(trial, 3);
  assert.deepEqual(r.map((m) => m.step), [0, 1, 2]);
  assert.deepEqual(r.map((m) => m.final), [undefined, undefined, true]);
  const v = r.map((m) => m.metrics.val_loss as number);
  assert.ok((v[0] as number) > (v[1] as number) && (v[1] as number) > (v[2] as number));
  assert.equal(v[2], paramsHash(trial.params) + 1 / 3);
  assert.notEqual(paramsHash('{"lr":0.1}'), paramsHash('{"lr":0.2}'));
  assert.equal(syntheticReports(trial, 3)[2]?.metrics.val_loss, v[2], 'same params, same curve');
});

test('a run publishes every report on the trial subject with the SDK message ids, then exits with its code', async () => {
  const { bus, published, subs } = fakeBus();
  const p = startSynthetic({ trial, options: { steps: 3, intervalMs: 1, exitCode: 0 }, bus, logFile: join(dir, 'a', 'main.log') });
  assert.equal(p.pid, process.pid);
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  assert.deepEqual(published.map((x) => x.subject), Array(3).fill('kubetune.metrics.ns.j.j-00001'));
  assert.deepEqual(published.map((x) => x.msgId), ['ns/j-00001/0', 'ns/j-00001/1', 'ns/j-00001/2/final']);
  assert.ok(published.every((x) => decodeMetricMessage(x.body).ok && x.url === trial.natsUrl));
  assert.equal(subs.size, 0, 'the control subscription is closed at exit');
  assert.match(readFileSync(join(dir, 'a', 'main.log'), 'utf8'), /published 3 synthetic reports/);
  const failing = startSynthetic({ trial, options: { steps: 1, intervalMs: 0, exitCode: 3 }, bus, logFile: join(dir, 'b.log') });
  assert.equal((await failing.exited).code, 3);
});

test('a stop request on the control subject, or stop(), ends the run early with exit 0', async () => {
  const { bus, published, control } = fakeBus();
  const p = startSynthetic({ trial, options: { steps: 100, intervalMs: 5, exitCode: 0 }, bus, logFile: join(dir, 'c.log') });
  while (published.length < 2) await new Promise((r) => setTimeout(r, 2));
  control('kubetune.control.ns.j.j-00001', JSON.stringify({ action: 'stop', reason: 'asha' }));
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  assert.ok(published.length < 100);
  const q = startSynthetic({ trial, options: { steps: 100, intervalMs: 5, exitCode: 0 }, bus: fakeBus().bus, logFile: join(dir, 'd.log') });
  assert.deepEqual(await q.stop(1000), { code: 0, signal: null });
});

// The timeout only turns a regression (waiting out the hour) into a failure instead of a hang.
test('stop() cuts a long wait between reports short', { timeout: 30_000 }, async () => {
  const { bus, published } = fakeBus();
  const p = startSynthetic({ trial, options: { steps: 3, intervalMs: 3_600_000, exitCode: 0 }, bus, logFile: join(dir, 'e.log') });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await p.stop(1000), { code: 0, signal: null });
  assert.equal(published.length, 0);
});

test('a publish that keeps failing exits 1 with the error in the log', async () => {
  const p = startSynthetic({ trial, options: { steps: 2, intervalMs: 0, exitCode: 0 }, bus: fakeBus(true).bus, logFile: join(dir, 'e.log') });
  assert.equal((await p.exited).code, 1);
  assert.match(readFileSync(join(dir, 'e.log'), 'utf8'), /no responders/);
});
