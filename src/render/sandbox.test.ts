// Known nunjucks escapes: each does harm on stock nunjucks and fails in ours with the sandbox's code.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import nunjucks from 'nunjucks';
import { createTemplateEnvironment } from './environment.js';
import { TemplateFault, templateCodes } from './template-fault.js';

interface Payload {
  readonly name: string;
  /** The template, given JavaScript source that sets the canary. */
  readonly template: (code: string) => string;
  readonly variables?: Readonly<Record<string, unknown>>;
}

/** `C` is a nunjucks string literal holding JavaScript that writes the canary file. */
const payloads: readonly Payload[] = [
  { name: 'range.constructor', template: (C) => `{{ range.constructor(${C})() }}` },
  { name: 'cycler.constructor', template: (C) => `{{ cycler.constructor(${C})() }}` },
  { name: 'joiner.constructor', template: (C) => `{{ joiner.constructor(${C})() }}` },
  {
    name: 'range.constructor.constructor',
    template: (C) => `{{ range.constructor.constructor(${C})() }}`,
  },
  { name: 'string literal', template: (C) => `{{ "".constructor.constructor(${C})() }}` },
  { name: 'number literal', template: (C) => `{{ (1).constructor.constructor(${C})() }}` },
  { name: 'list literal', template: (C) => `{{ [].constructor.constructor(${C})() }}` },
  {
    name: 'loop object',
    template: (C) => `{% for x in [1] %}{{ loop.constructor.constructor(${C})() }}{% endfor %}`,
  },
  {
    name: 'macro',
    template: (C) => `{% macro m() %}{% endmacro %}{{ m.constructor(${C})() }}`,
  },
  {
    name: 'caller',
    template: (C) =>
      `{% macro m() %}{{ caller.constructor(${C})() }}{% endmacro %}{% call m() %}x{% endcall %}`,
  },
  {
    name: 'constructor as a top-level name',
    template: (C) => `{{ constructor.constructor(${C})() }}`,
  },
  {
    name: '__proto__ as a top-level name',
    template: (C) => `{{ __proto__.constructor.constructor(${C})() }}`,
  },
  { name: 'valueOf as a top-level name', template: (C) => `{{ valueOf.constructor(${C})() }}` },
  { name: 'toString as a top-level name', template: (C) => `{{ toString.constructor(${C})() }}` },
  {
    name: 'hasOwnProperty as a top-level name',
    template: (C) => `{{ hasOwnProperty.constructor(${C})() }}`,
  },
  {
    name: 'filter result',
    template: (C) => `{{ ("a" | lower).constructor.constructor(${C})() }}`,
  },
  {
    name: 'first of a list',
    template: (C) => `{{ ([1] | first).constructor.constructor(${C})() }}`,
  },
  {
    name: 'range result',
    template: (C) => `{{ range(1).constructor.constructor(${C})() }}`,
  },
  { name: 'cycler method', template: (C) => `{{ cycler(1).next.constructor(${C})() }}` },
  { name: 'joiner result', template: (C) => `{{ joiner().constructor(${C})() }}` },
  { name: 'bracket lookup', template: (C) => `{{ range["constructor"](${C})() }}` },
  {
    name: 'computed key',
    template: (C) => `{{ range["con" ~ "structor"](${C})() }}`,
  },
  {
    name: 'key from a variable set in the template',
    template: (C) => `{% set c = "constructor" %}{{ range[c](${C})() }}`,
  },
  {
    name: 'key from a database value',
    template: (C) => `{{ range[key](${C})() }}`,
    variables: { key: 'constructor' },
  },
  { name: 'function member call', template: (C) => `{{ range.call.constructor(${C})() }}` },
  {
    name: 'function prototype',
    template: (C) => `{{ range.__proto__.constructor(${C})() }}`,
  },
  {
    name: 'alias of a global',
    template: (C) => `{% set f = range %}{{ f.constructor(${C})() }}`,
  },
  {
    name: 'dict literal in a set',
    template: (C) => `{% set o = {} %}{{ o.constructor.constructor(${C})() }}`,
  },
  {
    name: 'database object',
    template: (C) => `{{ row.constructor.constructor(${C})() }}`,
    variables: { row: { a: 1 } },
  },
  {
    name: 'database string through __proto__',
    template: (C) => `{{ s["__proto__"]["constructor"]["constructor"](${C})() }}`,
    variables: { s: 'text' },
  },
  {
    name: 'constructor kept in a variable',
    template: (C) => `{% set f = range.constructor %}{{ f(${C})() }}`,
  },
  { name: 'inside an if', template: (C) => `{% if range.constructor(${C})() %}{% endif %}` },
  {
    name: 'inside a filter block',
    template: (C) => `{% filter upper %}{{ range.constructor(${C})() }}{% endfilter %}`,
  },
  {
    name: 'inline if',
    template: (C) => `{{ "x" if range.constructor(${C})() else "y" }}`,
  },
  { name: 'bind member', template: (C) => `{{ range.bind.constructor(${C})() }}` },
];

/** Host access that stock nunjucks does not give either: they must still fail in ours. */
const hostPayloads: readonly string[] = [
  '{{ process.env.HOME }}',
  '{{ global.process }}',
  '{{ globalThis }}',
  '{{ require("fs") }}',
  '{{ this }}',
  '{% include "/etc/passwd" %}',
  '{% import "/etc/passwd" as p %}',
  '{% from "/etc/passwd" import x %}',
  '{% extends "/etc/passwd" %}',
];

describe('T5 sandbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lynq-sandbox-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const ours = createTemplateEnvironment({ functions: [] });
  const stock = new nunjucks.Environment([]);
  let counted = 0;

  const canary = (name: string): { readonly path: string; readonly code: string } => {
    const path = join(dir, name.replace(/[^a-z0-9]+/gi, '-'));
    const code = `"process.getBuiltinModule('fs').writeFileSync('${path}', 'pwned')"`;
    return { path, code };
  };

  for (const [index, payload] of payloads.entries()) {
    it(`T5 refuses escape ${index + 1}: ${payload.name}`, () => {
      const stockCanary = canary(`stock-${index}`);
      try {
        stock.renderString(payload.template(stockCanary.code), { ...payload.variables });
      } catch {
        // Some payloads throw after doing their harm; the canary says whether they did.
      }
      const harmful = existsSync(stockCanary.path);

      const ourCanary = canary(`ours-${index}`);
      assert.throws(
        () => ours.renderString(payload.template(ourCanary.code), { ...payload.variables }),
        (err: unknown) =>
          err instanceof TemplateFault && err.code === templateCodes.sandboxViolation,
      );
      assert.equal(existsSync(ourCanary.path), false, 'our sandbox let the payload run');
      if (harmful) counted += 1;
    });
  }

  for (const template of hostPayloads) {
    it(`T5 refuses host access: ${template}`, () => {
      assert.throws(
        () => ours.renderString(template, {}),
        (err: unknown) =>
          err instanceof TemplateFault && err.code === templateCodes.sandboxViolation,
      );
    });
  }

  it('T5 counts at least 25 payloads that do harm on stock nunjucks and none in ours', (t) => {
    t.diagnostic(`${counted} of ${payloads.length} payloads did harm on stock nunjucks`);
    assert.ok(counted >= 25, `only ${counted} payloads did harm on stock nunjucks`);
  });
});
