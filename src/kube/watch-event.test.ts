// Splitting and narrowing watch streams: chunk boundaries, multi-byte characters, bookmarks, errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLineSplitter, parseWatchEvent } from './watch-event.js';

describe('watch events', () => {
  it('splits lines across chunk boundaries, including inside a multi-byte character', () => {
    const splitter = createLineSplitter();
    const bytes = Buffer.from('{"a":"é"}\n{"b":1}\n{"c":2}');
    const cut = bytes.indexOf(0xa9); // second byte of é
    assert.deepEqual(splitter.push(bytes.subarray(0, cut)), []);
    assert.deepEqual(splitter.push(bytes.subarray(cut, cut + 10)), ['{"a":"é"}']);
    assert.deepEqual(splitter.push(bytes.subarray(cut + 10)), ['{"b":1}']);
    assert.deepEqual(splitter.end(), ['{"c":2}']);
  });

  it('refuses a line that never ends', () => {
    const splitter = createLineSplitter(10);
    assert.throws(() => splitter.push('x'.repeat(11)), { code: 'KubeWatchLineTooLong' });
  });

  it('reads a bookmark without a name, and an ERROR event as a status', () => {
    assert.deepEqual(
      parseWatchEvent(
        '{"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"42"}}}',
      ),
      { type: 'BOOKMARK', resourceVersion: '42' },
    );
    assert.deepEqual(
      parseWatchEvent(
        '{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version"}}',
      ),
      {
        type: 'ERROR',
        status: { code: 410, reason: 'Expired', message: 'too old resource version' },
      },
    );
  });

  it('rejects lines that are not watch events', () => {
    for (const line of [
      'not json',
      '[]',
      '{"type":"ADDED","object":{}}',
      '{"type":"WHAT","object":{}}',
    ]) {
      assert.throws(() => parseWatchEvent(line), { code: 'KubeWatchMalformedEvent' }, line);
    }
  });
});
