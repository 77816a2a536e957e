// ignoreFields (SPEC N11): omitted when another manager owns the field, else the live value; wildcards per element.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ignoredPaths, isIgnoredFieldPath, withIgnoredFields } from './ignore-fields.js';
import type { KubeObject } from './kube-object.js';

const desired = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          { name: 'app', image: 'app:2' },
          { name: 'side', image: 'side:2' },
        ],
      },
    },
  },
};

const live = (managers: { manager: string; fields: unknown }[]): KubeObject => ({
  metadata: {
    name: 'web',
    managedFields: managers.map((m) => ({ manager: m.manager, fieldsV1: m.fields })),
  },
  spec: {
    replicas: 5,
    template: {
      spec: {
        containers: [
          { name: 'app', image: 'app:1' },
          { name: 'side', image: 'side:1' },
        ],
      },
    },
  },
});

type Body = typeof desired;

describe('ignoreFields', () => {
  it('N11 a field another manager owns is omitted from an apply; one only Lynq owns keeps its live value', () => {
    const scaled = live([
      { manager: 'lynq', fields: { 'f:spec': { 'f:template': {} } } },
      { manager: 'kubectl-scale', fields: { 'f:spec': { 'f:replicas': {} } } },
    ]);
    const omitted = withIgnoredFields(desired, scaled, ignoredPaths(['$.spec.replicas']), 'apply');
    assert.equal((omitted as Body).spec.replicas, undefined);
    assert.equal((omitted as Body).spec.template.spec.containers[0]?.image, 'app:2');
    const ours = live([{ manager: 'lynq', fields: { 'f:spec': { 'f:replicas': {} } } }]);
    const kept = withIgnoredFields(desired, ours, ignoredPaths(['spec.replicas']), 'apply');
    assert.equal((kept as Body).spec.replicas, 5);
    // merge and replace bodies replace what they name: always the live value.
    const merged = withIgnoredFields(desired, scaled, ignoredPaths(['spec.replicas']), 'merge');
    assert.equal((merged as Body).spec.replicas, 5);
  });

  it('N11 wildcards work per element: an image another manager set on one container is omitted, the other keeps its live value', () => {
    const patched = live([
      {
        manager: 'image-bot',
        fields: {
          'f:spec': {
            'f:template': {
              'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } },
            },
          },
        },
      },
    ]);
    const body = withIgnoredFields(
      desired,
      patched,
      ignoredPaths(['$.spec.template.spec.containers[*].image']),
      'apply',
    ) as Body;
    assert.deepEqual(body.spec.template.spec.containers, [
      { name: 'app' },
      { name: 'side', image: 'side:1' },
    ]);
    assert.equal(body.spec.replicas, 2, 'fields not listed are untouched');
  });

  it('N11 N12 fields under an ignored map path never count as drift', () => {
    const ignored = ignoredPaths(['$.spec.replicas', 'metadata.labels.*']);
    assert.equal(isIgnoredFieldPath(['f:spec', 'f:replicas'], ignored), true);
    assert.equal(isIgnoredFieldPath(['f:metadata', 'f:labels', 'f:team'], ignored), true);
    assert.equal(isIgnoredFieldPath(['f:spec', 'f:template'], ignored), false);
  });
});
