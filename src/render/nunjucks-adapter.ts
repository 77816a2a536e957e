// The one typed boundary around nunjucks' untyped internals: parser, code generator, runtime, environment.

import nunjucks from 'nunjucks';
import { TemplateFault, templateCodes } from './template-fault.js';

/** A node of nunjucks' template AST, as far as we read it. */
export interface AstNode {
  readonly typename: string;
  /** 0-based, as nunjucks stores it. */
  readonly lineno: number;
  readonly colno: number;
  readonly fields: readonly string[];
  readonly [field: string]: unknown;
}

/** nunjucks' run-time frame (also its compile-time scope). */
interface NunjucksFrame {
  lookup(name: string): string | undefined | null;
  topLevel: boolean;
}

/** The part of nunjucks' code generator we drive and override. */
interface CodeGenerator {
  buffer: string;
  _emit(code: string): void;
  _emitLine(code: string): void;
  _compileExpression(node: AstNode, frame: NunjucksFrame): void;
  _emitLoopBindings(node: AstNode, arr: string, i: string, len: string): void;
  compile(node: AstNode, frame?: NunjucksFrame): void;
  getCode(): string;
  [method: string]: unknown;
}

type Callback = (err: unknown, result?: unknown) => void;

/** The entry point of a compiled template: `root(env, context, frame, runtime, cb)`. */
export type RootFunction = (
  env: unknown,
  context: unknown,
  frame: unknown,
  runtime: unknown,
  cb: Callback,
) => void;

type AnyFunction = (...args: never[]) => unknown;

interface NunjucksInternals {
  readonly parser: { parse(src: string, extensions: readonly unknown[], opts: object): unknown };
  readonly compiler: { Compiler: new (name: string, throwOnUndefined: boolean) => unknown };
  readonly runtime: Readonly<Record<string, unknown>> & {
    Frame: new (parent?: unknown, isolateWrites?: boolean) => NunjucksFrame;
    makeMacro: (argNames: unknown, kwargNames: unknown, func: AnyFunction) => AnyFunction;
  };
  readonly Environment: new (loaders: unknown, opts: object) => unknown;
}

const internals = nunjucks as unknown as NunjucksInternals;
const { Frame } = internals.runtime;
const compilerPrototype = internals.compiler.Compiler.prototype as Record<string, unknown>;

const isAstNode = (value: unknown): value is AstNode =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { typename?: unknown }).typename === 'string';

/** The child nodes of `node`, in field order (NodeList children included). */
export const childNodes = (node: AstNode): AstNode[] => {
  const out: AstNode[] = [];
  for (const field of node.fields) {
    const value = node[field];
    if (isAstNode(value)) out.push(value);
    // `Set.targets` is a plain array of nodes.
    else if (Array.isArray(value)) for (const item of value) if (isAstNode(item)) out.push(item);
  }
  const children = node['children'];
  if (Array.isArray(children)) {
    for (const child of children) if (isAstNode(child)) out.push(child);
  }
  return out;
};

/** A named field of `node` that holds a node, if it does. */
export const field = (node: AstNode, name: string): AstNode | undefined => {
  const value = node[name];
  return isAstNode(value) ? value : undefined;
};

/** The `children` of a NodeList-like node. */
export const children = (node: AstNode | undefined): AstNode[] => {
  const value = node?.['children'];
  return Array.isArray(value) ? value.filter(isAstNode) : [];
};

/** A field holding a plain array of nodes (`Set.targets`). */
export const nodeArray = (node: AstNode, name: string): AstNode[] => {
  const value = node[name];
  return Array.isArray(value) ? value.filter(isAstNode) : [];
};

const positionOfError = (err: unknown): { line: number; column: number } | undefined => {
  const { lineno, colno } = err as { lineno?: unknown; colno?: unknown };
  return typeof lineno === 'number' && typeof colno === 'number'
    ? { line: lineno, column: colno }
    : undefined;
};

const rawMessage = (err: unknown): string =>
  err instanceof Error
    ? err.message.replace(/^\(unknown path\)\s*(\[[^\]]*\])?\s*/, '')
    : String(err);

/** Parses template source. Throws a `TemplateSyntaxError` fault with nunjucks' position. */
export const parseTemplate = (source: string): AstNode => {
  try {
    const ast = internals.parser.parse(source, [], {});
    if (!isAstNode(ast)) throw new Error('parser returned no tree');
    return ast;
  } catch (err: unknown) {
    throw new TemplateFault(templateCodes.syntax, rawMessage(err), positionOfError(err), err);
  }
};

/** How our code generator differs from stock nunjucks; see `generate`. */
export interface CodeGenOptions {
  /** Symbol and lookup nodes that may be undefined (targets of `default`, `is defined`). */
  readonly optional: ReadonlySet<AstNode>;
  /** How a lookup reads in error messages (`a.b[0]`). */
  readonly describe: (node: AstNode) => string;
}

/*
 * Stock nunjucks resolves names with `in` on plain objects and members with `obj[key]`, which is
 * how `{{ range.constructor(...) }}` escapes. We emit calls to our own runtime functions instead,
 * and tick the render budget in every loop iteration.
 */
const createGenerator = (options: CodeGenOptions): CodeGenerator => {
  const gen = new internals.compiler.Compiler('leaf', true) as CodeGenerator;
  const optionalFlag = (node: AstNode): string => (options.optional.has(node) ? 'true' : 'false');
  const original = (name: string): ((this: CodeGenerator, ...args: unknown[]) => void) =>
    compilerPrototype[name] as (this: CodeGenerator, ...args: unknown[]) => void;

  gen['compileSymbol'] = function compileSymbol(node: AstNode, frame: NunjucksFrame): void {
    const name = String(node['value']);
    const local = frame.lookup(name);
    if (typeof local === 'string' && local !== '') {
      gen._emit(local);
      return;
    }
    gen._emit(
      `runtime.lynqName(context, frame, ${JSON.stringify(name)}, ${optionalFlag(node)}, ${node.lineno}, ${node.colno})`,
    );
  };
  gen['compileLookupVal'] = function compileLookupVal(node: AstNode, frame: NunjucksFrame): void {
    const target = field(node, 'target');
    const val = field(node, 'val');
    if (target === undefined || val === undefined) throw new Error('malformed lookup');
    gen._emit('runtime.lynqMember((');
    gen._compileExpression(target, frame);
    gen._emit('),');
    gen._compileExpression(val, frame);
    gen._emit(
      `, ${optionalFlag(node)}, ${JSON.stringify(options.describe(node))}, ${node.lineno}, ${node.colno})`,
    );
  };
  gen['compileFilter'] = function compileFilter(node: AstNode, frame: NunjucksFrame): void {
    gen._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, `);
    original('compileFilter').call(gen, node, frame);
    gen._emit(')');
  };
  const binary = (fn: string) =>
    function compileBinary(node: AstNode, frame: NunjucksFrame): void {
      const left = field(node, 'left');
      const right = field(node, 'right');
      if (left === undefined || right === undefined) throw new Error('malformed operator');
      gen._emit(`runtime.${fn}(`);
      gen.compile(left, frame);
      gen._emit(', ');
      gen.compile(right, frame);
      gen._emit(')');
    };
  gen['compileAdd'] = binary('lynqAdd');
  gen['compileConcat'] = binary('lynqConcat');
  gen['_emitLoopBindings'] = function emitLoopBindings(...args: unknown[]): void {
    original('_emitLoopBindings').apply(gen, args);
    gen._emitLine(`runtime.lynqTick(${gen.buffer}.length);`);
  };
  return gen;
};

const instantiate = (code: string): RootFunction => {
  // nunjucks' own compilation step: generated code becomes a function (its `Template._compile`).
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const props = (new Function(code) as () => { root?: unknown })();
  if (typeof props.root !== 'function') throw new Error('generated template has no root');
  return props.root as RootFunction;
};

/** Compiles a whole template (text output). Throws a fault for constructs the generator refuses. */
export const generateTemplate = (ast: AstNode, options: CodeGenOptions): RootFunction => {
  const gen = createGenerator(options);
  try {
    gen.compile(ast);
  } catch (err: unknown) {
    throw new TemplateFault(templateCodes.syntax, rawMessage(err), positionOfError(err), err);
  }
  return instantiate(gen.getCode());
};

/** Compiles one expression into a root that calls back with the expression's value (T3). */
export const generateExpression = (expr: AstNode, options: CodeGenOptions): RootFunction => {
  const gen = createGenerator(options);
  gen.buffer = 'output';
  gen._emitLine('function root(env, context, frame, runtime, cb) {');
  gen._emitLine(`var lineno = ${expr.lineno};`);
  gen._emitLine(`var colno = ${expr.colno};`);
  gen._emitLine('var output = "";');
  gen._emitLine('try {');
  gen._emit('var value = (');
  try {
    gen._compileExpression(expr, new Frame());
  } catch (err: unknown) {
    throw new TemplateFault(templateCodes.syntax, rawMessage(err), positionOfError(err), err);
  }
  gen._emitLine(');');
  gen._emitLine('cb(null, value);');
  gen._emitLine('} catch (e) {');
  gen._emitLine('  cb(runtime.handleError(e, lineno, colno));');
  gen._emitLine('}');
  gen._emitLine('}');
  gen._emitLine('return { root: root };');
  return instantiate(gen.getCode());
};

/** Runs a compiled root synchronously (no async filters exist here). Throws what it reports. */
export const runRoot = (root: RootFunction, env: unknown, context: unknown, runtime: unknown) => {
  const frame = new Frame();
  frame.topLevel = true;
  // The callback runs synchronously; an object keeps the outcome visible to the type checker.
  const outcome: { failed: boolean; failure?: unknown; result?: unknown } = { failed: false };
  root(env, context, frame, runtime, (err, value) => {
    if (err !== null && err !== undefined) {
      outcome.failed = true;
      outcome.failure = err;
    } else {
      outcome.result = value;
    }
  });
  if (outcome.failed) throw outcome.failure;
  return outcome.result;
};

/** Stock runtime members our runtime keeps: frames, keyword arguments, `in`, macros. */
export const stockRuntime: Readonly<Record<string, unknown>> = internals.runtime;

const SafeString = internals.runtime.SafeString as new (val: string) => { val: string };

/** nunjucks' SafeString (macro output) as the plain string it holds; anything else as it is. */
export const unwrapSafeString = (value: unknown): unknown =>
  value instanceof SafeString ? value.val : value;

/** Wraps nunjucks' macro factory so every macro call goes through `wrap`. */
export const makeMacroWith =
  (wrap: (fn: AnyFunction) => AnyFunction, register: (fn: AnyFunction) => AnyFunction) =>
  (argNames: unknown, kwargNames: unknown, func: AnyFunction): AnyFunction =>
    register(internals.runtime.makeMacro(argNames, kwargNames, wrap(func)));

/** A stock environment's parts: its built-in filters and tests, and the environment itself. */
export interface StockParts {
  readonly env: Record<string, unknown>;
  readonly filters: Readonly<Record<string, AnyFunction>>;
  readonly tests: Readonly<Record<string, AnyFunction>>;
}

/** A fresh nunjucks environment without loaders, autoescape off, throwOnUndefined on. */
export const createStockParts = (): StockParts => {
  const env = new internals.Environment([], {
    autoescape: false,
    throwOnUndefined: true,
  }) as Record<string, unknown>;
  return {
    env,
    filters: env['filters'] as Record<string, AnyFunction>,
    tests: env['tests'] as Record<string, AnyFunction>,
  };
};
