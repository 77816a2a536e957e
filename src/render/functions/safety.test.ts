// Tests of the library's safety guarantees: limits before allocation, no prototype access, no functions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderLimits } from '../limits.js';
import { templateFunctions } from './index.js';

type Callable = (...args: unknown[]) => unknown;

function global(name: string): Callable {
  const entry = templateFunctions.find((f) => f.name === name);
  if (!entry?.global) throw new Error(`no global ${name}`);
  return entry.global as Callable;
}

function filter(name: string): Callable {
  const entry = templateFunctions.find((f) => f.name === name);
  if (!entry) throw new Error(`no filter ${name}`);
  return entry.filter as Callable;
}

/** Runs `fn` and asserts it throws quickly: a guard that allocated first would take seconds. */
function throwsFast(fn: () => unknown, message: RegExp): void {
  const started = performance.now();
  assert.throws(fn, message);
  assert.ok(performance.now() - started < 500, 'threw before building the result');
}

describe('T5 sequence and string limits are checked before allocating', () => {
  const tooMany = renderLimits.maxSequenceLength + 1;

  it('refuses until, untilStep and seq past the sequence limit', () => {
    throwsFast(() => global('until')(1_000_000_000), /until: .*limit of 100000/);
    throwsFast(() => global('untilStep')(0, 1_000_000_000, 1), /untilStep: .*limit/);
    throwsFast(() => global('seq')(0, 1, 1_000_000_000), /seq: .*limit/);
    throwsFast(() => global('seq')(-1_000_000_000), /seq: .*limit/);
    assert.equal((global('until')(tooMany - 1) as unknown[]).length, tooMany - 1);
  });

  it('refuses repeat, indent, nindent, wrap and replace past the string limit', () => {
    throwsFast(() => global('repeat')(1_000_000_000, 'abc'), /repeat: .*limit of 1048576/);
    throwsFast(() => global('repeat')(2, 'x'.repeat(renderLimits.maxStringLength)), /repeat/);
    const lines = 'a\n'.repeat(100_000);
    throwsFast(() => global('indent')(100, lines), /indent: .*limit/);
    throwsFast(() => global('nindent')(100, lines), /nindent: .*limit/);
    throwsFast(() => global('wrapWith')(1, 'x'.repeat(1000), 'a'.repeat(100_000)), /wrap: .*limit/);
    throwsFast(() => global('replace')('a', 'b'.repeat(1000), 'a'.repeat(100_000)), /replace/);
  });

  it('refuses joins and serialisations of a list that repeats one large string', () => {
    const big = 'x'.repeat(100_000);
    const list = Array.from({ length: 100 }, () => big);
    throwsFast(() => global('join')(',', list), /join: .*limit/);
    throwsFast(() => global('toJson')(list), /toJson: .*characters/);
    throwsFast(() => global('mustToJson')(list), /mustToJson: .*characters/);
    throwsFast(() => global('toYaml')(list), /toYaml: .*characters/);
    throwsFast(() => global('toString')(list), /toString: .*characters/);
  });

  it('refuses to concat or append past the sequence limit', () => {
    const half = Array.from({ length: tooMany / 2 + 1 }, () => 0);
    throwsFast(() => global('concat')(half, half), /concat: .*limit/);
  });

  it('truncates with huge lengths without allocating', () => {
    assert.equal(global('trunc')(Number.MAX_SAFE_INTEGER, 'abc'), 'abc');
    assert.equal(global('substr')(0, Number.MAX_SAFE_INTEGER, 'abc'), 'abc');
    assert.equal(global('abbrev')(Number.MAX_SAFE_INTEGER, 'abc'), 'abc');
  });

  it('rejects negative counts where Go would panic', () => {
    assert.throws(() => global('repeat')(-1, 'a'), /repeat: count must not be negative/);
    assert.throws(() => global('chunk')(0, [1]), /chunk: size must be at least 1/);
    assert.throws(() => global('div')(1, 0), /div: division by zero/);
  });
});

describe('T5 dict functions never touch prototypes', () => {
  it('refuses __proto__, constructor and prototype as keys everywhere', () => {
    const d = global('dict')('a', 1);
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      assert.throws(
        () => global('set')(d, key, { polluted: true }),
        /set: the key .* is not allowed/,
      );
      assert.throws(() => global('dict')(key, 1), /dict: the key .* is not allowed/);
      assert.throws(() => global('get')(d, key), /not allowed/);
      assert.throws(() => global('dig')(key, 'x', 'fallback', d), /not allowed/);
    }
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('refuses prototype keys arriving in data: merge, deepCopy, fromJson, fromYaml', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    assert.throws(() => global('merge')({}, hostile), /merge: the key "__proto__"/);
    assert.throws(() => global('mergeOverwrite')({}, hostile), /the key "__proto__"/);
    assert.throws(() => global('deepCopy')(hostile), /the key "__proto__"/);
    assert.throws(() => global('fromJson')('{"__proto__": {"polluted": true}}'), /__proto__/);
    assert.throws(() => global('fromYaml')('constructor: {prototype: 1}'), /constructor/);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('reads own keys only: inherited members are not data', () => {
    const d = global('dict')('a', 1);
    assert.equal(global('get')({}, 'toString'), '');
    assert.equal(global('hasKey')({}, 'hasOwnProperty'), false);
    assert.equal(global('dig')('toString', 'fallback', {}), 'fallback');
    assert.deepEqual(global('pluck')('valueOf', {}, d), []);
  });

  it('builds dicts without a prototype', () => {
    for (const d of [
      global('dict')('a', 1),
      global('merge')({ a: 1 }, { b: 2 }),
      global('fromJson')('{"a": {"b": 1}}'),
      global('pick')({ a: 1 }, 'a'),
      global('urlParse')('http://x/'),
      global('semver')('1.2.3'),
    ]) {
      assert.equal(Object.getPrototypeOf(d), null);
    }
  });

  it('merge leaves the destination and the sources unmodified', () => {
    const dst = { a: 1, nested: { x: 1 } };
    const src = { b: 2, nested: { y: 2 } };
    global('merge')(dst, src);
    global('mergeOverwrite')(dst, src);
    assert.deepEqual(dst, { a: 1, nested: { x: 1 } });
    assert.deepEqual(src, { b: 2, nested: { y: 2 } });
  });

  it('refuses to set keys on a frozen (read-only) dict', () => {
    assert.throws(() => global('set')(Object.freeze({ a: 1 }), 'b', 2), /read-only/);
  });

  it('refuses cyclic values instead of looping', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.throws(() => global('deepCopy')(cyclic), /nested deeper/);
    assert.throws(() => global('toJson')(cyclic), /nested deeper/);
  });
});

describe('T5 functions are never values', () => {
  it('refuses a function argument, as filter and as global', () => {
    const fn = () => 'x';
    for (const entry of templateFunctions) {
      assert.throws(() => (entry.filter as Callable)(fn), /functions are not values/, entry.name);
      if (entry.global) {
        assert.throws(() => (entry.global as Callable)(fn), /functions are not values/);
      }
    }
  });

  it('refuses functions nested inside data', () => {
    assert.throws(() => global('deepCopy')({ a: [() => 1] }), /functions are not values/);
    assert.throws(() => global('toJson')({ a: () => 1 }), /functions are not values/);
  });

  it('returns no function for any example argument', () => {
    for (const entry of templateFunctions) {
      for (const args of [[], [''], [1], [[1]], [{ a: 1 }], ['a', 'b', 'c']]) {
        let result: unknown;
        try {
          result = (entry.filter as Callable)(...args);
        } catch {
          continue; // refusing odd arguments is fine; returning a function is not
        }
        assert.notEqual(typeof result, 'function', entry.name);
      }
    }
  });
});

describe('T2 default follows Sprig: empty values take the default', () => {
  const dflt = filter('default');
  it('replaces undefined, null, "", 0, false, [] and {}', () => {
    for (const empty of [undefined, null, '', 0, false, [], {}]) {
      assert.equal(dflt(empty, 'y'), 'y', JSON.stringify(empty));
    }
  });

  it('keeps non-empty values', () => {
    for (const value of ['x', 1, -1, true, [0], { a: null }, ' ']) {
      assert.deepEqual(dflt(value, 'y'), value);
    }
  });

  it('takes Sprig order as a global', () => {
    assert.equal(global('default')('y', ''), 'y');
    assert.equal(global('default')('y', 'x'), 'x');
    assert.equal(global('default')('y'), 'y');
  });
});
