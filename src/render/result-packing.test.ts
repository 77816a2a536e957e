// Packing a batch's results for the trip between threads loses nothing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeRenderResult, RenderedManifest } from './render-types.js';
import { packResults, unpackResults } from './result-packing.js';

const manifest = (id: string, namespace: string | undefined): RenderedManifest => ({
  id,
  apiVersion: 'v1',
  kind: namespace === undefined ? 'Namespace' : 'ConfigMap',
  name: `${id}-名前`,
  namespace,
  namespaced: namespace !== undefined,
  json: JSON.stringify({ data: { text: 'héllo ✓ 🚀' }, id }),
  hash: 'a'.repeat(64),
});

const plain = (m: RenderedManifest): RenderedManifest => ({
  id: m.id,
  apiVersion: m.apiVersion,
  kind: m.kind,
  name: m.name,
  namespace: m.namespace,
  namespaced: m.namespaced,
  json: m.json,
  hash: m.hash,
});

describe('result packing', () => {
  it('T7 keeps every field of every manifest, in order, across a pack and unpack', () => {
    const results: NodeRenderResult[] = [
      { ok: true, manifests: [manifest('a', 'tenants'), manifest('ns', undefined)], errors: [] },
      { ok: false, errors: [{ code: 'RenderAborted', resourceId: '', field: '', message: 'x' }] },
      {
        ok: true,
        manifests: [manifest('b', 'other')],
        errors: [
          { code: 'TemplateUndefinedValue', resourceId: 'c', field: 'data.a', message: 'y' },
        ],
      },
    ];
    const unpacked = unpackResults(structuredClone(packResults(results)));
    assert.deepEqual(
      unpacked.map((r) => (r.ok ? { ...r, manifests: r.manifests.map(plain) } : r)),
      results,
    );
  });

  it('T7 packs a batch without manifests', () => {
    const packed = packResults([{ ok: true, manifests: [], errors: [] }]);
    assert.equal(packed.bytes.byteLength, 0);
    assert.deepEqual(unpackResults(packed), [{ ok: true, manifests: [], errors: [] }]);
  });
});
