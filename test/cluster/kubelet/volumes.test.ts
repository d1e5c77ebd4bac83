import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { emptyDirMappings, rewritePaths } from './volumes.ts';

const pod: V1Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
  spec: {
    volumes: [{ name: 'shared', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }],
    containers: [{ name: 'c', volumeMounts: [{ name: 'shared', mountPath: '/out' }, { name: 'cfg', mountPath: '/etc/cfg' }, { name: 'shared', mountPath: '/out/deep/', subPath: 'sub' }] }],
  },
};

test('emptyDir mounts map to a host dir per Pod volume (subPath inside it); other volume kinds are not mapped', () => {
  assert.deepEqual(emptyDirMappings('/cluster', pod, pod.spec!.containers[0]!), [
    { mountPath: '/out/deep', hostPath: '/cluster/pods/ns_p_u1/volumes/shared/sub' },
    { mountPath: '/out', hostPath: '/cluster/pods/ns_p_u1/volumes/shared' },
  ]);
});

test('mount paths are rewritten where a path starts, never inside another path', () => {
  const m = emptyDirMappings('/c', pod, pod.spec!.containers[0]!);
  assert.equal(rewritePaths('/out/m.log', m), '/c/pods/ns_p_u1/volumes/shared/m.log');
  assert.equal(rewritePaths('--file=/out/m.log', m), '--file=/c/pods/ns_p_u1/volumes/shared/m.log');
  assert.equal(rewritePaths('echo x > /out/a; cat /out', m), 'echo x > /c/pods/ns_p_u1/volumes/shared/a; cat /c/pods/ns_p_u1/volumes/shared');
  assert.equal(rewritePaths('/out/deep/x', m), '/c/pods/ns_p_u1/volumes/shared/sub/x');
  assert.equal(rewritePaths('/outer/x /data/out/x', m), '/outer/x /data/out/x');
});

test('paths inside a kept directory (the checkout standing for the image) are not rewritten, even under a mount path', () => {
  const m = [{ mountPath: '/tmp', hostPath: '/c/pods/ns_p_u1/volumes/tmp' }];
  const keep = ['/tmp/clone'];
  assert.equal(rewritePaths('/tmp/clone/bin/kubetune', m, keep), '/tmp/clone/bin/kubetune');
  assert.equal(rewritePaths('--kubeconfig=/tmp/clone', m, keep), '--kubeconfig=/tmp/clone');
  assert.equal(rewritePaths('/tmp/clone2/x', m, keep), '/c/pods/ns_p_u1/volumes/tmp/clone2/x', 'a sibling whose name starts the same is not kept');
  assert.equal(rewritePaths('/tmp/scratch /tmp/clone/y', m, keep), '/c/pods/ns_p_u1/volumes/tmp/scratch /tmp/clone/y');
});
