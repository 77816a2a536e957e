// LynqNode names and labels: DNS-1123, bounded, distinct per (uid, form) pair.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelSafe, nodeLabels, nodeName } from './node-name.js';

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('nodeName', () => {
  it('keeps the uid and form readable and adds a hash', () => {
    assert.match(nodeName('acme', 'web'), /^acme-web-[0-9a-f]{10}$/);
  });

  it('gives a-b + c and a + b-c different names (the original collides)', () => {
    assert.notEqual(nodeName('a-b', 'c'), nodeName('a', 'b-c'));
  });

  it('gives uids that differ only in case or punctuation different names', () => {
    const names = new Set(
      ['Acme', 'acme', 'ac_me', 'ac.me', 'ac-me'].map((uid) => nodeName(uid, 'web')),
    );
    assert.equal(names.size, 5);
  });

  it('produces valid DNS-1123 labels of at most 63 characters for awkward uids', () => {
    for (const uid of ['UPPER_case_Tenant', 'x'.repeat(80), '___', '-lead-', 'ünïcødé', '', '9']) {
      const name = nodeName(uid, 'Form_With_Caps');
      assert.ok(name.length <= 63, `${name} is ${name.length} long`);
      assert.match(name, dns1123Label);
    }
  });

  it('is deterministic', () => {
    assert.equal(nodeName('acme', 'web'), nodeName('acme', 'web'));
  });
});

describe('node labels', () => {
  it('keeps label-safe values and hashes the rest', () => {
    assert.equal(labelSafe('acme_1.x'), 'acme_1.x');
    const long = labelSafe('x'.repeat(80));
    assert.ok(long.length <= 63);
    assert.notEqual(labelSafe('a b'), labelSafe('a  b'));
    assert.match(labelSafe('-bad-'), /^h[0-9a-f]{40}$/);
  });

  it('labels hub, form and uid', () => {
    assert.deepEqual(nodeLabels('hub', 'form', 'acme'), {
      'lynq.sh/hub': 'hub',
      'lynq.sh/form': 'form',
      'lynq.sh/uid': 'acme',
    });
  });
});
