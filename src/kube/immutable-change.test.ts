// Immutable fields (SPEC N15): which refusals name immutable fields, and what the node does about them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiError } from './api-client.js';
import type { KubeTransport } from './http-transport.js';
import { handleImmutableChange, immutableFieldsOf } from './immutable-change.js';

const refusal = (causes: unknown[], message = 'Job.batch "j" is invalid') =>
  apiError('PATCH /apis/batch/v1/namespaces/ns/jobs/j', {
    status: 422,
    headers: {},
    body: { kind: 'Status', reason: 'Invalid', message, details: { causes } },
  });

describe('immutable changes', () => {
  it('N15 names the fields the server calls immutable, and nothing for other refusals', () => {
    const job = refusal([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.template',
        message: 'Invalid value: ...: field is immutable',
      },
    ]);
    assert.deepEqual(immutableFieldsOf(job), ['spec.template']);
    const service = refusal([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.clusterIPs[0]',
        message: 'may not change once set',
      },
    ]);
    assert.deepEqual(immutableFieldsOf(service), ['spec.clusterIPs[0]']);
    const other = refusal([
      { reason: 'FieldValueRequired', field: 'spec.x', message: 'Required value' },
    ]);
    assert.deepEqual(immutableFieldsOf(other), []);
    assert.deepEqual(immutableFieldsOf(new Error('x')), []);
  });

  it('N15 without recreate: ImmutableFieldChanged, not retried; with it: one background DELETE, retried', async () => {
    const deletes: string[] = [];
    const transport: KubeTransport = {
      request: (req) => {
        deletes.push(`${req.method} ${req.path}`);
        return Promise.resolve({ status: 200, headers: {}, body: {} });
      },
      stream: () => Promise.reject(new Error('no streams')),
    };
    const change = {
      transport,
      path: '/p',
      what: 'Job ns/j',
      fields: ['spec.template'],
      timeoutMs: 1_000,
    };
    const refused = await handleImmutableChange({ ...change, recreate: false });
    assert.deepEqual([refused.reason, refused.retryable], ['ImmutableFieldChanged', false]);
    assert.match(refused.message, /spec\.template/);
    assert.equal(deletes.length, 0);
    const recreated = await handleImmutableChange({ ...change, recreate: true });
    assert.equal(recreated.retryable, true);
    assert.deepEqual(deletes, ['DELETE /p?propagationPolicy=Background']);
  });
});
