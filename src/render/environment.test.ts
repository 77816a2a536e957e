// The sandboxed environment: no loader, undefined is an error, typed leaves, bounds.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import nunjucks from 'nunjucks';
import { createTemplateEnvironment } from './environment.js';
import { TemplateFault, templateCodes, type TemplateCode } from './template-fault.js';
import type { TemplateFunction } from './template-function.js';

/** A few functions of our own, registered through the library's interface. */
const testFunctions: readonly TemplateFunction[] = [
  {
    name: 'shout',
    filterSignature: 's | shout',
    globalSignature: 'shout(s)',
    meaning: 'Upper-cases and adds "!".',
    example: '{{ "hi" | shout }}',
    expected: 'HI!',
    filter: (s: string) => `${s.toUpperCase()}!`,
    global: (s: string) => `${s.toUpperCase()}!`,
  },
];

const env = createTemplateEnvironment({ functions: testFunctions });

const fault = (code: TemplateCode, mentions?: string) => (err: unknown) =>
  err instanceof TemplateFault &&
  err.code === code &&
  (mentions === undefined || err.message.includes(mentions));

describe('template environment', () => {
  it('T1 renders a leaf with the variables', () => {
    assert.equal(env.renderString('{{ uid }}-web', { uid: 'acme' }), 'acme-web');
  });

  it('T1 leaves text without template markers as it is', () => {
    assert.deepEqual(env.compileLeaf('plain text'), { kind: 'constant', text: 'plain text' });
  });

  it('T1 does not autoescape', () => {
    assert.equal(env.renderString('{{ s }}', { s: '<a href="x">&</a>' }), '<a href="x">&</a>');
  });

  it('T1 fails include, import and extends: there is no loader', () => {
    for (const source of ['{% include "a" %}', '{% import "a" as a %}', '{% extends "a" %}']) {
      assert.throws(() => env.renderString(source, {}), fault(templateCodes.sandboxViolation));
    }
  });

  it('T2 fails on an undefined name in output', () => {
    assert.throws(
      () => env.renderString('{{ missing }}', {}),
      fault(templateCodes.undefinedValue, 'missing'),
    );
  });

  it('T2 fails on an undefined name inside a concatenation', () => {
    assert.throws(
      () => env.renderString('{{ "a" ~ missing }}', {}),
      fault(templateCodes.undefinedValue, 'missing'),
    );
  });

  it('T2 fails on an undefined name inside an addition', () => {
    assert.throws(
      () => env.renderString('{{ "a" + missing }}', {}),
      fault(templateCodes.undefinedValue, 'missing'),
    );
  });

  it('T2 fails on an undefined name piped into a filter', () => {
    assert.throws(
      () => env.renderString('{{ missing | length }}', {}),
      fault(templateCodes.undefinedValue, 'missing'),
    );
  });

  it('T2 fails on an undefined name in a condition', () => {
    assert.throws(
      () => env.renderString('{% if missing.x %}y{% endif %}', {}),
      fault(templateCodes.undefinedValue, 'missing'),
    );
  });

  it('T2 fails on an undefined member and names its path', () => {
    assert.throws(
      () => env.renderString('{{ cfg.db.host }}', { cfg: { db: {} } }),
      fault(templateCodes.undefinedValue, 'cfg.db.host'),
    );
  });

  it('T2 lets default and is defined handle optional variables', () => {
    assert.equal(env.renderString('{{ missing | default("y") }}', {}), 'y');
    assert.equal(env.renderString('{{ a.b.c | default("z") }}', {}), 'z');
    assert.equal(env.renderString('{{ "y" if missing is defined else "n" }}', {}), 'n');
    assert.equal(env.renderString('{{ "y" if uid is defined else "n" }}', { uid: 'a' }), 'y');
    assert.equal(env.renderString('{{ default("d", missing) }}', {}), 'd');
  });

  it('T2 default follows Sprig: empty values take the default', () => {
    for (const value of ['', 0, false, [], {}]) {
      assert.equal(env.renderString('{{ v | default("d") }}', { v: value }), 'd');
    }
    assert.equal(env.renderString('{{ v | default("d") }}', { v: 'x' }), 'x');
  });

  it('T2 reports the line and column of the failure', () => {
    assert.throws(
      () => env.renderString('line one\n  {{ missing }}', {}),
      (err: unknown) => err instanceof TemplateFault && err.line === 2 && err.column === 6,
    );
  });

  it('T3 gives typed values only through the last filter of a single expression', () => {
    assert.equal(env.renderString('{{ replicas | int }}', { replicas: '3' }), 3);
    assert.equal(env.renderString('{{ ratio | float }}', { ratio: '0.5' }), 0.5);
    assert.equal(env.renderString('{{ on | bool }}', { on: 'true' }), true);
    assert.deepEqual(env.renderString('{{ j | fromJson }}', { j: '{"a":[1]}' }), { a: [1] });
    assert.deepEqual(env.renderString('{{ y | fromYaml }}', { y: 'a: 1' }), { a: 1 });
    assert.deepEqual(env.renderString('{{ v | typed }}', { v: [1, 'x'] }), [1, 'x']);
    assert.equal(env.renderString('{{ port }}', { port: 8080 }), '8080');
    assert.equal(env.renderString(' {{ replicas | int }}', { replicas: '3' }), ' 3');
    assert.equal(env.renderString('{{ replicas | int | string }}', { replicas: '3' }), '3');
  });

  it('T3 fails a typed leaf whose value does not convert', () => {
    assert.throws(
      () => env.renderString('{{ v | int }}', { v: 'abc' }),
      fault(templateCodes.typeError),
    );
  });

  it('T4 registers the table filters and globals', () => {
    assert.equal(env.renderString('{{ "hi" | shout }}', {}), 'HI!');
    assert.equal(env.renderString('{{ shout("hi") }}', {}), 'HI!');
  });

  it('T4 fails an unknown filter or function at compile time, naming it', () => {
    assert.throws(
      () => env.compileLeaf('{{ x | nope }}'),
      fault(templateCodes.unknownFunction, 'nope'),
    );
    assert.throws(
      () => env.compileLeaf('{{ nope(1) }}'),
      fault(templateCodes.unknownFunction, 'nope'),
    );
  });

  it('T4 reports a syntax error with its position', () => {
    assert.throws(
      () => env.compileLeaf('{{ uid }-x'),
      (err: unknown) =>
        err instanceof TemplateFault && err.code === templateCodes.syntax && err.line === 1,
    );
  });

  it('T5 bounds range before it allocates', () => {
    assert.throws(
      () => env.renderString('{% for i in range(0, 1000000000) %}x{% endfor %}', {}),
      fault(templateCodes.limitExceeded),
    );
  });

  it('T5 bounds render time inside the render', () => {
    const quick = createTemplateEnvironment({
      functions: [],
      limits: { maxRenderMillisPerNode: 50 },
    });
    assert.throws(
      () =>
        quick.renderString(
          '{% for i in range(0, 100000) %}{% for j in range(0, 100000) %}{% endfor %}{% endfor %}',
          {},
        ),
      fault(templateCodes.budgetExceeded),
    );
  });

  it('T5 bounds recursion without loops by time', () => {
    const quick = createTemplateEnvironment({
      functions: [],
      limits: { maxRenderMillisPerNode: 50 },
    });
    assert.throws(
      () =>
        quick.renderString(
          '{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}',
          {},
        ),
      fault(templateCodes.budgetExceeded),
    );
  });

  it('T5 bounds output size', () => {
    const small = createTemplateEnvironment({
      functions: [],
      limits: { maxOutputBytesPerNode: 1000 },
    });
    assert.throws(
      () => small.renderString('{% for i in range(0, 10000) %}xxxxxxxxxx{% endfor %}', {}),
      fault(templateCodes.budgetExceeded),
    );
  });

  it('T5 bounds string growth by concatenation', () => {
    const small = createTemplateEnvironment({ functions: [], limits: { maxStringLength: 1000 } });
    assert.throws(
      () =>
        small.renderString(
          '{% set s = "xxxxxxxxxx" %}{% for i in range(0, 20) %}{% set s = s ~ s %}{% endfor %}{{ s | length }}',
          {},
        ),
      fault(templateCodes.limitExceeded),
    );
  });

  it('T5 keeps loops, macros, cycler and joiner working', () => {
    assert.equal(
      env.renderString('{% for x in xs %}{{ loop.index }}{{ x }}{% endfor %}', { xs: ['a', 'b'] }),
      '1a2b',
    );
    assert.equal(
      env.renderString(
        '{% macro m(a) %}<{{ a }}{{ caller() }}>{% endmacro %}{% call m(1) %}c{% endcall %}',
        {},
      ),
      '<1c>',
    );
    assert.equal(
      env.renderString(
        '{% set c = cycler("a", "b") %}{{ c.next() }}{{ c.next() }}{{ c.next() }}',
        {},
      ),
      'aba',
    );
    assert.equal(
      env.renderString(
        '{% set j = joiner("-") %}{% for x in [1, 2] %}{{ j() }}{{ x }}{% endfor %}',
        {},
      ),
      '1-2',
    );
  });

  it('T5 reaches own data only: a string has its length and characters, not its methods', () => {
    assert.equal(env.renderString('{{ s.length }}{{ s[0] }}', { s: 'abc' }), '3a');
    assert.throws(
      () => env.renderString('{{ s.toUpperCase() }}', { s: 'abc' }),
      fault(templateCodes.sandboxViolation),
    );
  });

  it('T6 renders values that look like templates literally', () => {
    assert.equal(
      env.renderString('{{ v }}', { v: '{{ secret }}{% include "x" %}' }),
      '{{ secret }}{% include "x" %}',
    );
  });

  it('T5 leaves stock nunjucks elsewhere in the process untouched', () => {
    assert.equal(new nunjucks.Environment([]).renderString('{{ x.y }}|{{ range(2) }}', {}), '|0,1');
  });
});
