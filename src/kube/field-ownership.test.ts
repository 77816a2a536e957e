// Field ownership (SPEC N12): which fields a manifest sets, and how many of them Lynq's managedFields still own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from './kube-object.js';
import { manifestFieldPaths, ownedFieldCount, ownedManifestFields } from './field-ownership.js';

const manifest = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'home', labels: { app: 'x' }, annotations: {} },
  data: { plan: 'pro', region: 'eu', nothing: null },
  spec: { ports: [{ port: 80 }], empty: {} },
};

const live = (
  entries: { manager: string; fields: unknown; subresource?: string }[],
): KubeObject => ({
  metadata: {
    name: 'cfg',
    managedFields: entries.map((e) => ({
      manager: e.manager,
      operation: 'Apply',
      fieldsType: 'FieldsV1',
      fieldsV1: e.fields,
      ...(e.subresource === undefined ? {} : { subresource: e.subresource }),
    })),
  },
});

describe('field ownership', () => {
  it('N12 a manifest owns its scalars and lists at their map paths, labels and annotations, never identity, nulls or empty maps', () => {
    assert.deepEqual(manifestFieldPaths(manifest), [
      ['f:metadata', 'f:labels', 'f:app'],
      ['f:data', 'f:plan'],
      ['f:data', 'f:region'],
      ['f:spec', 'f:ports'],
    ]);
  });

  it('N12 counts the fields some entry of Lynq covers (Apply and Update alike, not subresources); a field another manager took does not count', () => {
    const paths = manifestFieldPaths(manifest);
    const all = {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:data': { 'f:plan': {}, 'f:region': {} },
      'f:spec': { 'f:ports': { 'k:{"port":80}': {} } },
    };
    assert.equal(ownedFieldCount(live([{ manager: 'lynq', fields: all }]), paths), 4);
    const split = live([
      { manager: 'lynq', fields: { 'f:data': { 'f:plan': {} } } },
      { manager: 'lynq', fields: { 'f:data': { 'f:region': {} }, 'f:spec': { 'f:ports': {} } } },
      { manager: 'intruder', fields: { 'f:metadata': { 'f:labels': { 'f:app': {} } } } },
      { manager: 'lynq', fields: all, subresource: 'status' },
    ]);
    assert.equal(ownedFieldCount(split, paths), 3);
    assert.equal(ownedFieldCount({ metadata: { name: 'cfg' } }, paths), 0);
    assert.equal(
      ownedManifestFields(live([{ manager: 'lynq', fields: all }]), {
        json: JSON.stringify(manifest),
      }),
      4,
    );
  });
});
