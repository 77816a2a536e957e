// Tests of the function table: Sprig coverage, the documented examples, and the table's own shape.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import nunjucks from 'nunjucks';
import { createTemplateEnvironment } from '../environment.js';
import {
  excludedSprigFunctions,
  sprigV3FunctionNames,
  templateFunctions,
  typedFilterNames,
} from './index.js';

/**
 * A stock nunjucks environment with every table entry registered: the examples also hold in plain
 * nunjucks (what users of the docs may try), and below in the sandboxed environment Lynq renders with.
 */
export function stockEnvironment(): nunjucks.Environment {
  const env = new nunjucks.Environment(null, { autoescape: false });
  for (const entry of templateFunctions) {
    env.addFilter(entry.name, entry.filter as (...args: unknown[]) => unknown);
    if (entry.global) env.addGlobal(entry.name, entry.global);
  }
  return env;
}

const implemented = new Set(templateFunctions.map((f) => f.name));

describe('template function table', () => {
  it('T4 every Sprig v3 function is implemented or excluded with a reason', () => {
    const missing = sprigV3FunctionNames.filter(
      (name) => !implemented.has(name) && !Object.hasOwn(excludedSprigFunctions, name),
    );
    assert.deepEqual(missing, []);
    for (const [name, reason] of Object.entries(excludedSprigFunctions)) {
      assert.ok(reason.trim().length > 0, `${name} has a reason`);
      assert.ok(!implemented.has(name), `${name} is both implemented and excluded`);
      assert.ok(
        (sprigV3FunctionNames as readonly string[]).includes(name),
        `${name} is a Sprig v3 name`,
      );
    }
  });

  it('T4 includes toHost and trunc63 and every typed filter', () => {
    for (const name of ['toHost', 'trunc63', ...typedFilterNames]) {
      assert.ok(implemented.has(name), name);
    }
  });

  it('has one entry per name, each with a meaning, an example and a filter signature', () => {
    assert.equal(implemented.size, templateFunctions.length);
    for (const entry of templateFunctions) {
      assert.ok(entry.meaning.length > 0, entry.name);
      assert.ok(entry.filterSignature.includes(entry.name), entry.name);
      assert.ok(entry.example.includes(entry.name), `${entry.name}: the example uses it`);
    }
  });

  it('T4 says which behaviour wins for every name that clashes with a nunjucks built-in filter', () => {
    // nunjucks 3.2 built-in filters that share a name with a library function.
    const builtins = [
      'default',
      'first',
      'float',
      'indent',
      'int',
      'join',
      'last',
      'list',
      'lower',
      'replace',
      'reverse',
      'round',
      'slice',
      'title',
      'trim',
      'upper',
    ];
    const env = new nunjucks.Environment(null);
    for (const name of builtins) {
      assert.doesNotThrow(() => env.getFilter(name), `${name} is a nunjucks built-in`);
      const entry = templateFunctions.find((f) => f.name === name);
      assert.ok(entry?.clash, `${name} has a clash note`);
    }
  });
});

describe('T4 every example renders its documented output', () => {
  const env = stockEnvironment();
  for (const entry of templateFunctions) {
    it(entry.name, () => {
      assert.equal(env.renderString(entry.example, {}), entry.expected);
    });
  }
});

describe("T4 T5 every example renders its documented output in Lynq's sandboxed environment", () => {
  // The environment the workers and `lynq render` use: our lookups, our filters, the budget.
  const env = createTemplateEnvironment({ functions: templateFunctions });
  for (const entry of templateFunctions) {
    it(entry.name, () => {
      const out = env.renderString(entry.example, {});
      // A typed leaf (T3: `{{ x | float }}` alone) yields a JSON value: the docs show its JSON text.
      assert.equal(typeof out === 'string' ? out : JSON.stringify(out), entry.expected);
    });
  }
});
