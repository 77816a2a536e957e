// Which failed API calls mean "the API server did not answer" (an outage is reported as itself).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invalidSpecError, transientError, type LynqError } from '../errors.js';
import { apiError } from './api-client.js';
import {
  isApiServerUnreachable,
  kubernetesUnreachableError,
  outageOr,
} from './api-reachability.js';
import { transportCodes } from './http-transport.js';

const answered = (status: number) =>
  apiError('GET /api/v1/namespaces/ns/secrets/db', { status, headers: {}, body: 'x' });

describe('isApiServerUnreachable', () => {
  it('is true when no answer came: refused, reset or timed-out connections', () => {
    const refused = transientError(
      transportCodes.failed,
      'GET /api/v1/namespaces/ns/secrets/db: connect ECONNREFUSED 127.0.0.1:6443',
    );
    assert.equal(isApiServerUnreachable(refused), true);
    assert.equal(
      isApiServerUnreachable(transientError(transportCodes.timeout, 'no response')),
      true,
    );
  });

  it('is true for 502, 503 and 504, the answers of a proxy or a server that is not serving', () => {
    for (const status of [502, 503, 504])
      assert.equal(isApiServerUnreachable(answered(status)), true);
  });

  it('is false for answers about the request itself, authentication failures and foreign errors', () => {
    for (const status of [400, 403, 404, 409, 422, 429, 500])
      assert.equal(isApiServerUnreachable(answered(status)), false, `HTTP ${String(status)}`);
    assert.equal(isApiServerUnreachable(transientError(transportCodes.auth, 'exec plugin')), false);
    assert.equal(isApiServerUnreachable(invalidSpecError('SecretNotFound', 'gone')), false);
    assert.equal(isApiServerUnreachable(new Error('connect ECONNREFUSED')), false);
    assert.equal(isApiServerUnreachable(new DOMException('aborted', 'AbortError')), false);
  });

  it('looks through errors that wrap one, and accepts its own KubernetesUnreachable', () => {
    const refused = transientError(transportCodes.failed, 'connect ECONNREFUSED');
    const wrapped = transientError('NodeWriteFailed', '1 of 1 node writes failed', refused);
    assert.equal(isApiServerUnreachable(wrapped), true);
    const own = kubernetesUnreachableError('reading Secret ns/db', refused);
    assert.equal(own.code, 'KubernetesUnreachable');
    assert.equal(own.kind, 'Transient');
    assert.match(
      own.message,
      /unreachable \(reading Secret ns\/db\); retrying: connect ECONNREFUSED/,
    );
    assert.equal(isApiServerUnreachable(own), true);
  });

  it('outageOr names an outage KubernetesUnreachable and passes every other error through untouched', () => {
    const refused = transientError(transportCodes.failed, 'connect ECONNREFUSED');
    assert.equal(
      (outageOr(refused, 'rendering the node') as LynqError).code,
      'KubernetesUnreachable',
    );
    const missing = invalidSpecError('RevisionNotFound', 'gone');
    assert.equal(outageOr(missing, 'rendering the node'), missing);
  });
});
