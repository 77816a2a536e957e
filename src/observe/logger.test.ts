// The root logger never writes a password or Secret data.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { createRootLogger } from './logger.js';

it('O5 redacts passwords and Secret data in logged objects', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createRootLogger('info', sink);
  logger.info(
    {
      password: 'p1',
      config: { password: 'p2', host: 'db' },
      secret: { data: { password: 'cDM=' } },
    },
    'Connecting',
  );
  const text = lines.join('');
  assert.doesNotMatch(text, /p1|p2|cDM=/);
  assert.match(text, /"host":"db"/);
  assert.match(text, /\[redacted\]/);
});
