// The sandboxed template environment: nunjucks without a loader, with only our functions and lookups.

import {
  assertJsonValue,
  coreFilters,
  coreGlobalDefaults,
  coreGlobals,
  isTypedFilterName,
  typedFilters,
  type TypedFilterName,
} from './core-functions.js';
import { renderLimits } from './limits.js';
import {
  type AstNode,
  children,
  createStockParts,
  field,
  generateExpression,
  generateTemplate,
  makeMacroWith,
  unwrapSafeString,
  parseTemplate,
  runRoot,
  stockRuntime,
} from './nunjucks-adapter.js';
import { withRenderBudget } from './render-budget.js';
import {
  SandboxContext,
  add,
  allowCall,
  callAllowed,
  concat,
  ensureDefined,
  forbiddenMembers,
  iterable,
  lookupGlobalName,
  lookupMember,
  lookupName,
  loopTick,
  outputText,
  toFault,
} from './sandbox-runtime.js';
import { checkTemplate, describeLookup } from './template-check.js';
import { TemplateFault, sandboxViolation, templateCodes } from './template-fault.js';
import type { TemplateFunction } from './template-function.js';

export type RenderLimits = { readonly [K in keyof typeof renderLimits]: number };

export type Variables = Readonly<Record<string, unknown>>;

/** A compiled template leaf. Rendering throws `TemplateFault`s. */
export type CompiledLeaf =
  | { readonly kind: 'constant'; readonly text: string }
  | { readonly kind: 'text'; readonly render: (variables: Variables) => string }
  | {
      readonly kind: 'typed';
      readonly filter: TypedFilterName;
      readonly evaluate: (variables: Variables) => unknown;
    };

export interface TemplateEnvironment {
  readonly limits: RenderLimits;
  /** Compiles one leaf. Throws a `TemplateFault` (syntax, unknown function, sandbox). */
  compileLeaf(source: string): CompiledLeaf;
  /**
   * Compiles and renders one template under a fresh per-node budget; a typed leaf yields its
   * JSON value. Throws a `TemplateFault`.
   */
  renderString(source: string, variables: Variables): unknown;
}

export interface TemplateEnvironmentOptions {
  /** The function library (`templateFunctions`), or a test's own table. */
  readonly functions: readonly TemplateFunction[];
  readonly limits?: Partial<RenderLimits>;
}

type Fn = (...args: never[]) => unknown;

/** nunjucks built-in filters we keep: pure, and none allocates without bound. */
const keptFilters = [
  'abs',
  'capitalize',
  'dictsort',
  'dump',
  'first',
  'float',
  'groupby',
  'int',
  'join',
  'last',
  'length',
  'list',
  'lower',
  'reject',
  'rejectattr',
  'replace',
  'reverse',
  'round',
  'select',
  'selectattr',
  'sort',
  'string',
  'sum',
  'title',
  'trim',
  'truncate',
  'upper',
  'urlencode',
  'wordcount',
] as const;

/** Built-in filters that read an attribute path by name (`sort(false, false, "a.b")`). */
const attributeFilters: ReadonlySet<string> = new Set([
  'groupby',
  'join',
  'rejectattr',
  'selectattr',
  'sort',
  'sum',
]);

/*
 * nunjucks resolves attribute paths with plain `item[part]`; a path through `constructor` would
 * leave the data, so string arguments of those filters are checked part by part.
 */
const guardAttributes =
  (name: string, fn: Fn): Fn =>
  (...args: never[]) => {
    for (const arg of args as unknown[]) {
      if (typeof arg !== 'string') continue;
      for (const part of arg.split('.')) {
        if (forbiddenMembers.has(part) || part in Object.prototype) {
          throw sandboxViolation(`\`${name}\`: attribute \`${part}\` is not accessible`);
        }
      }
    }
    return fn(...args);
  };

const nullRecord = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** The leaf is exactly one `{{ expr }}` whose last filter is typed (T3)? Then that expression. */
const typedExpression = (
  ast: AstNode,
): { readonly expr: AstNode; readonly filter: TypedFilterName } | undefined => {
  const [output, ...more] = children(ast);
  if (output?.typename !== 'Output' || more.length > 0) return undefined;
  const [expr, ...rest] = children(output);
  if (expr === undefined || rest.length > 0 || expr.typename !== 'Filter') return undefined;
  const name = field(expr, 'name');
  const filter = name?.typename === 'Symbol' ? String(name['value']) : '';
  return isTypedFilterName(filter) ? { expr, filter } : undefined;
};

const templateMarkers = /\{[{%#]/;

type Evaluate = (variables: Variables, globals: ReadonlyMap<string, unknown>) => unknown;

/** A name or a member chain with literal keys (`uid`, `cfg.db.host`, `xs[0]`), as a function. */
const plainLookup = (node: AstNode): Evaluate | undefined => {
  if (node.typename === 'Symbol') {
    const name = String(node['value']);
    return (variables, globals) =>
      lookupGlobalName(variables, globals, name, false, node.lineno, node.colno);
  }
  if (node.typename !== 'LookupVal') return undefined;
  const target = field(node, 'target');
  const val = field(node, 'val');
  const key = val?.typename === 'Literal' ? val['value'] : undefined;
  if (target === undefined || (typeof key !== 'string' && typeof key !== 'number')) {
    return undefined;
  }
  const base = plainLookup(target);
  if (base === undefined) return undefined;
  const display = describeLookup(node);
  return (variables, globals) =>
    lookupMember(base(variables, globals), key, false, display, node.lineno, node.colno);
};

type Part =
  string | { readonly evaluate: Evaluate; readonly lineno: number; readonly colno: number };

/*
 * Most leaves only interpolate variables (`{{ uid }}-web`). They need none of nunjucks'
 * machinery (frames, contexts, callbacks), so they run as a list of parts with the same
 * lookups, checks and output accounting as compiled templates, several times faster.
 */
const plainParts = (ast: AstNode): readonly Part[] | undefined => {
  const parts: Part[] = [];
  for (const output of children(ast)) {
    if (output.typename !== 'Output') return undefined;
    for (const child of children(output)) {
      if (child.typename === 'TemplateData') {
        parts.push(String(child['value']));
        continue;
      }
      const evaluate = plainLookup(child);
      if (evaluate === undefined) return undefined;
      parts.push({ evaluate, lineno: output.lineno, colno: output.colno });
    }
  }
  return parts;
};

/**
 * Builds the sandboxed environment (SPEC T1, T2, T5; DESIGN 7). No loader (`include`, `import`,
 * `extends` fail at compile time), autoescape off, undefined names and members are errors except
 * as the target of `default` / `is defined`, only own properties of plain data are reachable, and
 * only our globals and macros are callable. Stock nunjucks elsewhere in the process is untouched:
 * the runtime and code generator are private to this environment.
 */
export const createTemplateEnvironment = (
  options: TemplateEnvironmentOptions,
): TemplateEnvironment => {
  const limits: RenderLimits = { ...renderLimits, ...options.limits };
  const stock = createStockParts();
  const env = stock.env;

  const filters = nullRecord<Fn>();
  for (const name of keptFilters) {
    const fn = stock.filters[name];
    if (fn === undefined) continue;
    filters[name] = attributeFilters.has(name) ? guardAttributes(name, fn) : fn;
  }
  Object.assign(filters, coreFilters());
  const globals = new Map<string, unknown>(Object.entries(coreGlobalDefaults()));
  for (const fn of options.functions) {
    filters[fn.name] = fn.filter;
    if (fn.global !== undefined) globals.set(fn.name, fn.global);
  }
  for (const [name, fn] of Object.entries(coreGlobals(limits.maxSequenceLength))) {
    globals.set(name, fn);
  }
  for (const value of globals.values()) if (typeof value === 'function') allowCall(value);

  const tests = nullRecord<Fn>();
  for (const [name, fn] of Object.entries(stock.tests)) tests[name] = fn;

  env['filters'] = filters;
  env['tests'] = tests;
  env['globals'] = nullRecord<unknown>();
  env['getFilter'] = (name: string): Fn => {
    const fn = Object.hasOwn(filters, name) ? filters[name] : undefined;
    if (fn === undefined) {
      throw new TemplateFault(templateCodes.unknownFunction, `unknown filter \`${name}\``);
    }
    return fn;
  };
  env['getTest'] = (name: string): Fn => {
    const fn = Object.hasOwn(tests, name) ? tests[name] : undefined;
    if (fn === undefined) {
      throw new TemplateFault(templateCodes.unknownFunction, `unknown test \`${name}\``);
    }
    return fn;
  };
  const noLoader = (): never => {
    throw sandboxViolation('templates have no loader and cannot read other templates');
  };
  env['getTemplate'] = noLoader;
  env['getExtension'] = noLoader;

  // Macro calls tick the budget (recursion has no loop to tick), and return plain strings:
  // nunjucks' SafeString only matters for autoescaping, which is off.
  const tickCall =
    (fn: Fn): Fn =>
    (...args: never[]) => {
      loopTick(0);
      return unwrapSafeString(fn(...args));
    };
  const runtime = Object.freeze({
    ...stockRuntime,
    lynqName: lookupName,
    lynqMember: lookupMember,
    lynqAdd: (l: unknown, r: unknown) => add(l, r, limits.maxStringLength),
    lynqConcat: (l: unknown, r: unknown) => concat(l, r, limits.maxStringLength),
    lynqTick: loopTick,
    callWrap: callAllowed,
    suppressValue: outputText,
    ensureDefined,
    fromIterator: iterable,
    handleError: toFault,
    makeMacro: makeMacroWith(tickCall, allowCall),
    memberLookup: () => {
      throw sandboxViolation('stock member lookup is disabled');
    },
    contextOrFrameLookup: () => {
      throw sandboxViolation('stock name lookup is disabled');
    },
  });

  const known = {
    filters: new Set(Object.keys(filters)),
    tests: new Set(Object.keys(tests)),
    globals: new Set(globals.keys()),
  };
  const contextFor = (variables: Variables) => new SandboxContext(env, variables, globals);

  const compileLeaf = (source: string): CompiledLeaf => {
    if (!templateMarkers.test(source)) return { kind: 'constant', text: source };
    const ast = parseTemplate(source);
    const { optional } = checkTemplate(ast, known);
    const codeGen = { optional, describe: describeLookup };
    const typed = typedExpression(ast);
    if (typed !== undefined) {
      const root = generateExpression(typed.expr, codeGen);
      const coerce = typedFilters[typed.filter];
      return {
        kind: 'typed',
        filter: typed.filter,
        evaluate: (variables) => coerce(runRoot(root, env, contextFor(variables), runtime)),
      };
    }
    const parts = plainParts(ast);
    if (parts !== undefined) {
      return {
        kind: 'text',
        render: (variables) => {
          let out = '';
          let at: { lineno: number; colno: number } = ast;
          try {
            for (const part of parts) {
              if (typeof part === 'string') {
                out += part;
              } else {
                at = part;
                out += outputText(
                  ensureDefined(part.evaluate(variables, globals), at.lineno, at.colno),
                );
              }
            }
          } catch (err: unknown) {
            throw toFault(err, at.lineno, at.colno);
          }
          return out;
        },
      };
    }
    const root = generateTemplate(ast, codeGen);
    return {
      kind: 'text',
      render: (variables) => {
        const out = runRoot(root, env, contextFor(variables), runtime);
        return typeof out === 'string' ? out : String(out);
      },
    };
  };

  const renderString = (source: string, variables: Variables): unknown =>
    withRenderBudget(limits, () => {
      const leaf = compileLeaf(source);
      switch (leaf.kind) {
        case 'constant':
          return leaf.text;
        case 'text':
          return leaf.render(variables);
        case 'typed':
          return assertJsonValue(leaf.evaluate(variables), 'typed value');
      }
    });

  return { limits, compileLeaf, renderString };
};
