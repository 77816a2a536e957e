// Tests of behaviour beyond the table's examples: RE2 semantics, semver ranges, conversions, edge cases.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import nunjucks from 'nunjucks';
import { templateFunctions } from './index.js';

type Callable = (...args: unknown[]) => unknown;

function global(name: string): Callable {
  const entry = templateFunctions.find((f) => f.name === name);
  if (!entry?.global) throw new Error(`no global ${name}`);
  return entry.global as Callable;
}

describe('regex functions use Go RE2', () => {
  it('T4 rejects lookbehind, lookahead and backreferences, which RE2 does not support', () => {
    for (const pattern of ['(?<=a)b', '(?<!a)b', 'a(?=b)', 'a(?!b)', '(a)\\1', '(?<n>a)\\k<n>']) {
      assert.throws(
        () => global('regexMatch')(pattern, 'ab'),
        /regexMatch: invalid RE2 pattern .*not RE2 syntax/,
        pattern,
      );
      assert.throws(() => global('mustRegexFind')(pattern, 'ab'), /mustRegexFind: invalid RE2/);
    }
    assert.throws(() => global('regexMatch')('a{1001}', 'a'), /invalid repeat count/);
  });

  it('accepts RE2 syntax JavaScript lacks', () => {
    assert.equal(global('regexFind')('(?P<word>[[:alpha:]]+)', '12abc34'), 'abc');
    assert.equal(global('regexMatch')('(?i)^HELLO\\z', 'hello'), true);
    assert.equal(global('regexReplaceAll')('\\Qa.b\\E', 'a.b axb', 'X'), 'X axb');
    assert.equal(
      global('regexReplaceAll')('(?P<first>\\w+) (?P<last>\\w+)', 'John Smith', '$last, $first'),
      'Smith, John',
    );
  });

  it('matches in linear time where a backtracking engine would hang', () => {
    const started = performance.now();
    assert.equal(global('regexMatch')('(a+)+$', `${'a'.repeat(50_000)}b`), false);
    assert.ok(performance.now() - started < 2000);
  });

  it("follows Go's replacement expansion (examples from Go's regexp docs)", () => {
    const replace = global('regexReplaceAll');
    assert.equal(replace('a(x*)b', '-ab-axxb-', 'T'), '-T-T-');
    assert.equal(replace('a(x*)b', '-ab-axxb-', '$1'), '--xx-');
    assert.equal(replace('a(x*)b', '-ab-axxb-', '$1W'), '---');
    assert.equal(replace('a(x*)b', '-ab-axxb-', '${1}W'), '-W-xxW-');
    assert.equal(replace('a', 'a', '$$'), '$');
  });

  it('skips an empty match right after a match, as Go does and JavaScript does not', () => {
    assert.equal(global('regexReplaceAll')('a*', 'baaac', '-'), '-b-c-');
    assert.deepEqual(global('regexFindAll')('a*', 'baaac', -1), ['', 'aaa', '']);
  });

  it("splits as Go's Regexp.Split (example from Go's regexp docs)", () => {
    const split = global('regexSplit');
    assert.deepEqual(split('a*', 'abaabaccadaaae', 5), ['', 'b', 'b', 'c', 'cadaaae']);
    assert.deepEqual(split('', 'abc', -1), ['a', 'b', 'c']);
    assert.deepEqual(split('z+', '', -1), ['']);
    assert.deepEqual(split('z+', 'pizza', 0), []);
    assert.deepEqual(global('regexFindAll')('\\d', 'a1b2c3', 2), ['1', '2']);
  });
});

describe('semverCompare follows Masterminds constraints (cases from Sprig semver docs)', () => {
  const cases: readonly [string, string, boolean][] = [
    ['~1.2.3', '1.2.9', true],
    ['~1.2.3', '1.3.0', false],
    ['~1', '1.9.0', true],
    ['^1.2.3', '1.9.9', true],
    ['^1.2.3', '2.0.0', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['^0.0.3', '0.0.4', false],
    ['1.2.x', '1.2.7', true],
    ['1.2.x', '1.3.0', false],
    ['<= 2.x', '2.9.0', true],
    ['<= 2.x', '3.0.0', false],
    ['>= 1.2 < 3.0.0 || >= 4.2.3', '2.5.0', true],
    ['>= 1.2 < 3.0.0 || >= 4.2.3', '3.5.0', false],
    ['>= 1.2, < 3.0.0', '1.2.0', true],
    ['1.2 - 1.4.5', '1.4.5', true],
    ['1.2 - 1.4.5', '1.4.6', false],
    ['*', '7.0.0', true],
    ['>=1.2.3', '1.2.4-beta', false],
    ['>=1.2.3-0', '1.2.4-beta', true],
    ['!= 1.2.3', 'v1.2.4', true],
  ];
  for (const [constraint, version, expected] of cases) {
    it(`${constraint} ${expected ? 'accepts' : 'rejects'} ${version}`, () => {
      assert.equal(global('semverCompare')(constraint, version), expected);
    });
  }

  it('fails on an invalid version or constraint', () => {
    assert.throws(() => global('semverCompare')('^1.2', 'banana'), /invalid semantic version/);
    assert.throws(() => global('semverCompare')('>> 1', '1.0.0'), /invalid constraint/);
    assert.throws(() => global('semver')('1.2.3.4'), /invalid semantic version/);
  });
});

describe('conversions and Lynq additions', () => {
  it('int reads Go integer literals and is 0 otherwise, as Sprig', () => {
    assert.equal(global('int')('0x1F'), 31);
    assert.equal(global('int')('-12'), -12);
    assert.equal(global('int')('12.00'), 12);
    assert.equal(global('int')('12abc'), 0);
    assert.equal(global('int')(null), 0);
    assert.equal(global('int')(true), 1);
  });

  it('bool reads Go booleans and refuses to guess', () => {
    assert.equal(global('bool')('True'), true);
    assert.equal(global('bool')('0'), false);
    assert.equal(global('bool')(2), true);
    assert.throws(() => global('bool')('maybe'), /bool: cannot read "maybe"/);
  });

  it('toHost strips scheme, user, port and path', () => {
    const toHost = global('toHost');
    assert.equal(toHost('example.com'), 'example.com');
    assert.equal(toHost('example.com:80'), 'example.com');
    assert.equal(toHost('postgres://u:p@db.internal:5432/app'), 'db.internal');
    assert.equal(toHost('[::1]:8080'), '::1');
    assert.equal(toHost('https://[2001:db8::1]/x'), '2001:db8::1');
    assert.equal(toHost('//cdn.example.com/lib.js'), 'cdn.example.com');
  });

  it('trunc63 keeps a valid DNS label', () => {
    const trunc63 = global('trunc63');
    assert.equal(trunc63('short'), 'short');
    const name = `${'a'.repeat(61)}-.b`;
    assert.equal(trunc63(name), 'a'.repeat(61));
    assert.equal((trunc63('x'.repeat(100)) as string).length, 63);
  });

  it('float math is exact in decimal, as shopspring/decimal', () => {
    assert.equal(global('addf')(0.1, 0.2), 0.3);
    assert.equal(global('mulf')(1.1, 3), 3.3);
    assert.equal(global('divf')(1, 3), 0.3333333333333333);
    assert.throws(() => global('divf')(1, 0), /divf: division by zero/);
  });

  it('duration prints Go durations of whole seconds', () => {
    assert.equal(global('duration')('3600'), '1h0m0s');
    assert.equal(global('duration')(0), '0s');
    assert.equal(global('duration')('-61'), '-1m1s');
    assert.equal(global('durationRound')('90s'), '1m');
    assert.equal(global('durationRound')('not a duration'), '0s');
  });

  it('quote escapes as Go %q', () => {
    assert.equal(global('quote')('a"b\\c\n'), '"a\\"b\\\\c\\n"');
    assert.equal(global('quote')('x', null, 1), '"x" "1"');
  });

  it('fromJson is "" on invalid JSON while mustFromJson fails', () => {
    assert.equal(global('fromJson')('{nope'), '');
    assert.throws(() => global('mustFromJson')('{nope'), /mustFromJson: invalid JSON/);
  });

  it('urlParse reports the parts Go reports', () => {
    const u = global('urlParse')('https://user@example.com:8443/a%20b?q=1#frag') as Record<
      string,
      unknown
    >;
    assert.deepEqual(
      { ...u },
      {
        scheme: 'https',
        host: 'example.com:8443',
        hostname: 'example.com',
        path: '/a b',
        query: 'q=1',
        opaque: '',
        fragment: 'frag',
        userinfo: 'user',
      },
    );
    assert.equal(global('urlJoin')(u), 'https://user@example.com:8443/a%20b?q=1#frag');
  });
});

describe('filter forms keep the piped value in its place', () => {
  const env = new nunjucks.Environment(null, { autoescape: false });
  for (const entry of templateFunctions) env.addFilter(entry.name, entry.filter as Callable);

  it("indent ignores nunjucks' second argument and still indents the first line", () => {
    assert.equal(env.renderString('{{ "a\\nb" | indent(2, true) }}', {}), '  a\n  b');
  });

  it('reports a missing argument instead of shifting the piped value', () => {
    assert.throws(
      () => env.renderString('{{ "hello" | trunc }}', {}),
      /trunc: length must be an integer, got undefined/,
    );
    assert.throws(
      () => env.renderString('{{ "hello" | repeat }}', {}),
      /repeat: count must be an integer/,
    );
  });

  it('refuses surplus arguments', () => {
    assert.throws(
      () => env.renderString('{{ "aaa" | replace("a", "b", 1) }}', {}),
      /expected at most 2 argument/,
    );
  });
});
