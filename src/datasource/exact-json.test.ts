// Unit tests for exact JSON parsing: big integers survive, everything else parses like JSON.parse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExactJson } from './exact-json.js';

describe('parseExactJson', () => {
  it('parses ordinary JSON exactly like JSON.parse', () => {
    const text = '{"a":[1,-2.5,3e2,null,true],"b":"x\\"9007199254740993\\"","c":{}}';
    assert.deepEqual(parseExactJson(text), JSON.parse(text));
  });

  it('H3 keeps integers beyond 2^53 as exact decimal strings', () => {
    assert.deepEqual(
      parseExactJson('{"n":9007199254740993,"m":-18446744073709551615,"s":9007199254740991}'),
      {
        n: '9007199254740993',
        m: '-18446744073709551615',
        s: 9007199254740991,
      },
    );
    assert.equal(parseExactJson('12345678901234567890'), '12345678901234567890');
  });

  it('leaves digits inside strings and floats alone', () => {
    assert.deepEqual(parseExactJson('["12345678901234567890", 1.2345678901234567e30]'), [
      '12345678901234567890',
      1.2345678901234567e30,
    ]);
  });

  it('throws SyntaxError for text that is not JSON', () => {
    assert.throws(() => parseExactJson('{"a": 12345678901234567890'), SyntaxError);
    assert.throws(() => parseExactJson('not json'), SyntaxError);
  });
});
