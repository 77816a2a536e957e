// The lookups and checks compiled templates call at run time: only own properties of plain data.

import { spendOutput, tick } from './render-budget.js';
import { TemplateFault, positionOf, sandboxViolation, templateCodes } from './template-fault.js';

/** Member names that lead from data to code; refused everywhere, whatever the object. */
export const forbiddenMembers: ReadonlySet<string> = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/** Names of the host that a template may reach for; absent, they are a sandbox violation. */
const hostNames: ReadonlySet<string> = new Set([
  'process',
  'global',
  'globalThis',
  'require',
  'module',
  'exports',
  'this',
  'self',
  'window',
  'Function',
  'eval',
  'import',
  'Buffer',
  'Reflect',
  'Proxy',
  'Object',
  'Array',
  'String',
  'Number',
  'Symbol',
  'JSON',
  'Math',
  'Date',
  'Promise',
  'Error',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'queueMicrotask',
  'fetch',
  'WebAssembly',
]);

/** A name of the host (`process`, `require`, `globalThis`…), never reachable from a template. */
export const isHostName = (name: string): boolean => hostNames.has(name);

/*
 * Functions a template may call: our globals, macros the template defines, methods of objects
 * our globals return. Anything else (a constructor reached some other way) is refused by identity.
 */
const callables = new WeakSet<object>();

/** Allows templates to call `fn` (through a global, a macro, or an object we created). */
export const allowCall = <F extends object>(fn: F): F => {
  callables.add(fn);
  return fn;
};

const isPlainObject = (value: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

const isPlainArray = (value: unknown): value is readonly unknown[] =>
  Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;

/** The scope chain of nunjucks' run-time frames, as our lookups walk it. */
export interface RuntimeFrame {
  readonly variables: Readonly<Record<string, unknown>>;
  readonly parent: RuntimeFrame | null | undefined;
}

/** The render context: the node's variables, the template's own top-level sets, our globals. */
export class SandboxContext {
  /** nunjucks' built-in filters read `this.env`; they get the environment they were built for. */
  readonly env: unknown;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly globals: ReadonlyMap<string, unknown>;
  #locals: Map<string, unknown> | undefined;

  constructor(
    env: unknown,
    variables: Readonly<Record<string, unknown>>,
    globals: ReadonlyMap<string, unknown>,
  ) {
    this.env = env;
    this.variables = variables;
    this.globals = globals;
  }

  /** Called by compiled `{% set %}` at top level. */
  setVariable(name: string, value: unknown): void {
    (this.#locals ??= new Map()).set(name, value);
  }

  /** Called by compiled top-level `{% set %}` and macros; exports are for imports, which we refuse. */
  addExport(): void {
    // Nothing imports a leaf.
  }

  local(name: string): unknown {
    return this.#locals?.get(name);
  }

  /** Stock nunjucks' lookup; our compiled code never calls it, so a call means a code path we missed. */
  lookup(name: string): never {
    throw sandboxViolation(`unexpected stock lookup of \`${name}\``);
  }
}

const undefinedFault = (message: string, lineno: number, colno: number): TemplateFault =>
  new TemplateFault(templateCodes.undefinedValue, message, positionOf(lineno, colno));

/**
 * A top-level name: frames (loop variables, sets, macro arguments), the template's own sets, the
 * node's variables (own properties only), our globals. Absent → undefined error, or undefined
 * when `optional` (the target of `default` or `is defined`); host names and prototype members →
 * sandbox violation.
 */
export const lookupName = (
  context: SandboxContext,
  frame: RuntimeFrame | null | undefined,
  name: string,
  optional: boolean,
  lineno: number,
  colno: number,
): unknown => {
  for (let scope = frame; scope !== null && scope !== undefined; scope = scope.parent) {
    // Frame variables are created with a null prototype, so `in` sees only what was set.
    if (name in scope.variables) {
      const value = scope.variables[name];
      if (value !== undefined) return value;
    }
  }
  const local = context.local(name);
  if (local !== undefined) return local;
  return lookupGlobalName(context.variables, context.globals, name, optional, lineno, colno);
};

/** A top-level name outside any frame: the node's variables (own properties), then our globals. */
export const lookupGlobalName = (
  variables: Readonly<Record<string, unknown>>,
  globals: ReadonlyMap<string, unknown>,
  name: string,
  optional: boolean,
  lineno: number,
  colno: number,
): unknown => {
  if (Object.hasOwn(variables, name)) {
    const value = variables[name];
    if (value !== undefined) return value;
  }
  if (globals.has(name)) return globals.get(name);
  if (forbiddenMembers.has(name) || hostNames.has(name) || name in Object.prototype) {
    throw sandboxViolation(`\`${name}\` is not available to templates`, positionOf(lineno, colno));
  }
  if (optional) return undefined;
  throw undefinedFault(`\`${name}\` is undefined`, lineno, colno);
};

const describeType = (value: unknown): string =>
  typeof value === 'function' ? 'a function' : Array.isArray(value) ? 'a list' : typeof value;

/**
 * `target[key]` for plain data only: own properties of plain objects and arrays, a string's
 * characters and length. A missing member is an undefined error (undefined when `optional`);
 * anything reachable only through a prototype, and any member of a function or of a non-plain
 * object, is a sandbox violation.
 */
export const lookupMember = (
  target: unknown,
  key: unknown,
  optional: boolean,
  display: string,
  lineno: number,
  colno: number,
): unknown => {
  if (target === undefined || target === null) {
    if (optional) return undefined;
    throw undefinedFault(
      `\`${display}\`: cannot read a member of ${String(target)}`,
      lineno,
      colno,
    );
  }
  if (typeof key !== 'string' && typeof key !== 'number') {
    throw sandboxViolation(
      `\`${display}\`: a member name must be a string or a number`,
      positionOf(lineno, colno),
    );
  }
  const name = String(key);
  if (forbiddenMembers.has(name)) {
    throw sandboxViolation(
      `\`${display}\`: \`${name}\` is not accessible`,
      positionOf(lineno, colno),
    );
  }
  let found = false;
  let value: unknown;
  if (typeof target === 'string') {
    if (name === 'length' || (/^(0|[1-9][0-9]*)$/.test(name) && Number(name) < target.length)) {
      found = true;
      value = name === 'length' ? target.length : target[Number(name)];
    }
  } else if (typeof target === 'object') {
    if (!(isPlainArray(target) || isPlainObject(target))) {
      throw sandboxViolation(
        `\`${display}\`: members of this object are not accessible`,
        positionOf(lineno, colno),
      );
    }
    if (Object.hasOwn(target, name)) {
      found = true;
      value = (target as Record<string, unknown>)[name];
    }
  } else if (typeof target === 'function') {
    throw sandboxViolation(
      `\`${display}\`: members of a function are not accessible`,
      positionOf(lineno, colno),
    );
  }
  if (found) {
    if (typeof value === 'function' && !callables.has(value)) {
      throw sandboxViolation(`\`${display}\` is not accessible`, positionOf(lineno, colno));
    }
    if (value !== undefined) return value;
  } else if (name in Object(target)) {
    throw sandboxViolation(
      `\`${display}\`: \`${name}\` is not data of ${describeType(target)}`,
      positionOf(lineno, colno),
    );
  }
  if (optional) return undefined;
  throw undefinedFault(`\`${display}\` is undefined`, lineno, colno);
};

/** Calls only functions we allowed; `this` is the render context, as in stock nunjucks. */
export const callAllowed = (
  fn: unknown,
  name: string,
  context: unknown,
  args: readonly unknown[],
): unknown => {
  if (typeof fn !== 'function') {
    throw new TemplateFault(templateCodes.typeError, `\`${name}\` is not a function`);
  }
  if (!callables.has(fn)) throw sandboxViolation(`\`${name}\` cannot be called from a template`);
  return (fn as (...a: unknown[]) => unknown).apply(context, [...args]);
};

const stringify = (value: unknown): string => {
  if (typeof value === 'function') throw sandboxViolation('a function cannot be turned into text');
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  // Data prints as JSON rather than `[object Object]`; lists keep nunjucks' `1,2` form.
  if (Array.isArray(value)) return value.map(stringify).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return value.toString();
  }
  throw sandboxViolation(`a ${typeof value} cannot be turned into text`);
};

/** `a ~ b`: text concatenation with the string-length bound. */
export const concat = (left: unknown, right: unknown, maxLength: number): string => {
  const l = stringify(left);
  const r = stringify(right);
  if (l.length + r.length > maxLength) {
    throw new TemplateFault(
      templateCodes.limitExceeded,
      `a string would exceed ${maxLength} characters`,
    );
  }
  return l + r;
};

/** `a + b`: JavaScript addition, bounded when it concatenates. */
export const add = (left: unknown, right: unknown, maxLength: number): unknown => {
  if (typeof left === 'string' || typeof right === 'string') return concat(left, right, maxLength);
  if (typeof left === 'function' || typeof right === 'function') {
    throw sandboxViolation('a function cannot be an operand');
  }
  return (left as number) + (right as number);
};

/** `{{ x }}`: undefined is an error; null prints as nothing. */
export const ensureDefined = (value: unknown, lineno: number, colno: number): unknown => {
  if (value === undefined) throw undefinedFault('the value to print is undefined', lineno, colno);
  return value;
};

/** What `{{ x }}` appends to the output, counted against the node's output budget. */
export const outputText = (value: unknown): string => {
  const text = stringify(value);
  spendOutput(text.length);
  return text;
};

/** What a `for` loop iterates: lists, plain objects and strings only. */
export const iterable = (value: unknown): unknown => {
  if (typeof value === 'string') return Array.from(value);
  if (typeof value === 'function') throw sandboxViolation('a function cannot be iterated');
  if (
    value !== null &&
    typeof value === 'object' &&
    !isPlainArray(value) &&
    !isPlainObject(value)
  ) {
    throw sandboxViolation('this object cannot be iterated');
  }
  return value;
};

/** Loop bodies and macro calls tick the budget so runaway templates stop inside the render. */
export const loopTick = tick;

/** Turns anything thrown inside a template into a positioned fault. */
export const toFault = (err: unknown, lineno: number, colno: number): TemplateFault => {
  if (err instanceof TemplateFault) {
    // Faults raised outside a lookup (limits, calls) take the position of the nearest call.
    return err.line !== undefined
      ? err
      : new TemplateFault(err.code, err.message, positionOf(lineno, colno), err.cause);
  }
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new TemplateFault(
      templateCodes.limitExceeded,
      'templates nest too deeply (call stack exhausted)',
      positionOf(lineno, colno),
      err,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TemplateFault(templateCodes.evaluation, message, positionOf(lineno, colno), err);
};
