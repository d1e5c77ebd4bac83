import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { containerEnv, expandVars, fieldRefValue, type DataLookup } from './env.ts';

const pod: V1Pod = {
  metadata: { name: 'p1', namespace: 'ns1', uid: 'u-1', labels: { app: 'trainer' }, annotations: { 'a/b': 'c' } },
  spec: { nodeName: 'n1', containers: [] },
};
const data: Record<string, Record<string, string>> = { 'ConfigMap/cm': { LR: '0.1', MODE: 'fast' }, 'Secret/s': { TOKEN: 'sekret' } };
const lookup: DataLookup = async (kind, _ns, name) => data[`${kind}/${name}`];

test('$(VAR) expands defined variables, keeps unknown ones, and $$ escapes', () => {
  const vars = new Map([['A', 'x'], ['B', 'y']]);
  assert.equal(expandVars('--a=$(A) --b=$(B) $(C) $$(A)', vars), '--a=x --b=y $(C) $(A)');
});

test('downward API field paths', () => {
  assert.equal(fieldRefValue(pod, 'metadata.name'), 'p1');
  assert.equal(fieldRefValue(pod, 'metadata.namespace'), 'ns1');
  assert.equal(fieldRefValue(pod, "metadata.labels['app']"), 'trainer');
  assert.equal(fieldRefValue(pod, "metadata.annotations['a/b']"), 'c');
  assert.equal(fieldRefValue(pod, 'spec.nodeName'), 'n1');
  assert.throws(() => fieldRefValue(pod, 'spec.bogus'), /unsupported fieldRef.fieldPath "spec.bogus"/);
});

test('env: envFrom, values referencing earlier ones, fieldRef, ConfigMap and Secret keys', async () => {
  const env = await containerEnv(pod, {
    name: 'main',
    envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
    env: [
      { name: 'BASE', value: '/data' },
      { name: 'OUT', value: '$(BASE)/out-$(CM_LR)' },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'TOKEN' } } },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'missing', key: 'k', optional: true } } },
    ],
  }, lookup);
  assert.deepEqual(Object.fromEntries(env), { CM_LR: '0.1', CM_MODE: 'fast', BASE: '/data', OUT: '/data/out-0.1', POD: 'p1', TOKEN: 'sekret' });
});

test('env: a missing required reference is an error naming the pod, container and key', async () => {
  await assert.rejects(
    containerEnv(pod, { name: 'main', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'NOPE' } } }] }, lookup),
    /pod ns1\/p1 container "main": env X: key "NOPE" of ConfigMap "cm" not found/,
  );
});
