import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { PROCESS_NODE_LABELS, selectsNode } from './placement.ts';

const pod = (nodeSelector?: Record<string, string>): V1Pod => ({ spec: { containers: [], ...(nodeSelector ? { nodeSelector } : {}) } });

test('a Pod without nodeSelector goes to the process node', () => {
  assert.equal(selectsNode(pod(), PROCESS_NODE_LABELS), true);
  assert.equal(selectsNode(pod({}), PROCESS_NODE_LABELS), true);
});

test('a nodeSelector the process node satisfies is bound', () => {
  assert.equal(selectsNode(pod({ 'kubernetes.io/os': 'linux', 'kubetune.io/process-kubelet': 'true' }), PROCESS_NODE_LABELS), true);
});

test('a Pod meant for another node (the real node) is left to the scheduler', () => {
  assert.equal(selectsNode(pod({ 'kubetune.io/real-node': 'true' }), PROCESS_NODE_LABELS), false);
  assert.equal(selectsNode(pod({ 'kubernetes.io/os': 'linux', 'kubetune.io/real-node': 'true' }), PROCESS_NODE_LABELS), false);
  assert.equal(selectsNode(pod({ 'kubernetes.io/os': 'windows' }), PROCESS_NODE_LABELS), false);
});
