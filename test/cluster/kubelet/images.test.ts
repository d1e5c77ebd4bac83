import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { globMatch, loadImageTable, parseImageTable, resolveBuiltin, resolveCommand } from './images.ts';

const table = parseImageTable({
  images: [{ match: ['*kubetune/trainer*'], command: ['kubetune-trainer'], args: ['--default'], pathPrepend: ['{repo}/bin'], cwd: '{repo}' }],
  default: { pathPrepend: ['{repo}/node_modules/.bin'] },
}, '/repo', 'inline');

test('globs match whole image references', () => {
  assert.ok(globMatch('*kubetune/trainer*', 'ghcr.io/kubetune/trainer:0.1'));
  assert.ok(globMatch('*kubetune/trainer*', 'kubetune/trainer'));
  assert.ok(!globMatch('kubetune/trainer', 'kubetune/trainer:1'));
  assert.ok(globMatch('a.b', 'a.b') && !globMatch('a.b', 'axb'), 'dots are literal');
});

test('a mapped image supplies entrypoint, default args, PATH and cwd with {repo} substituted', () => {
  const r = resolveCommand({ name: 'c', image: 'kubetune/trainer:dev' }, table);
  assert.deepEqual(r, { argv: ['kubetune-trainer', '--default'], pathPrepend: ['/repo/bin'], cwd: '/repo' });
  assert.deepEqual(resolveCommand({ name: 'c', image: 'kubetune/trainer', args: ['--lr=1'] }, table).argv, ['kubetune-trainer', '--lr=1']);
  assert.deepEqual(resolveCommand({ name: 'c', image: 'kubetune/trainer', command: ['node', 'x.js'] }, table).argv, ['node', 'x.js'], 'command drops default args');
});

test('an unknown image runs its command as is, or fails saying how to fix it', () => {
  const r = resolveCommand({ name: 'c', image: 'busybox', command: ['sh', '-c'], args: ['exit 3'] }, table);
  assert.deepEqual(r, { argv: ['sh', '-c', 'exit 3'], pathPrepend: ['/repo/node_modules/.bin'], cwd: undefined });
  assert.throws(() => resolveCommand({ name: 'c', image: 'busybox' }, table), /image "busybox" is not in the process kubelet's image table.*images\.json/);
});

test('the shipped image table is valid', () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const shipped = loadImageTable(join(here, 'images.json'), '/r');
  assert.deepEqual(resolveCommand({ name: 't', image: 'kubetune/trainer:1' }, shipped).argv, ['kubetune-trainer']);
  assert.deepEqual(resolveCommand({ name: 't', image: 'kubetune/trainer:1' }, shipped).pathPrepend, ['/r/bin', '/r/node_modules/.bin'], 'the repo bin/ holds kubetune-trainer');
  assert.throws(() => parseImageTable({ images: [{ match: 'x', bogus: 1 }] }, '/r', 'bad.json'), /invalid image table bad\.json/);
});

test('an image mapped to a builtin runs it with the container args, unless the container sets a command', () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const shipped = loadImageTable(join(here, 'images.json'), '/r');
  assert.deepEqual(resolveBuiltin({ name: 't', image: 'kubetune/synthetic:1', args: ['--steps=2'] }, shipped), { builtin: 'synthetic', args: ['--steps=2'] });
  assert.equal(resolveBuiltin({ name: 't', image: 'kubetune/synthetic', command: ['sh'] }, shipped), undefined);
  assert.equal(resolveBuiltin({ name: 't', image: 'kubetune/trainer:1' }, shipped), undefined);
});
