// The compile-time pass over a template's AST: refuses what the sandbox forbids, marks optional lookups.

import { type AstNode, childNodes, children, field, nodeArray } from './nunjucks-adapter.js';
import { forbiddenMembers, isHostName } from './sandbox-runtime.js';
import { TemplateFault, positionOf, sandboxViolation, templateCodes } from './template-fault.js';

/** What the environment offers, so unknown functions fail at compile time. */
export interface KnownNames {
  readonly filters: ReadonlySet<string>;
  readonly tests: ReadonlySet<string>;
  readonly globals: ReadonlySet<string>;
}

/** The result of the pass: lookups that may be undefined (T2's exceptions). */
export interface CheckedTemplate {
  readonly optional: ReadonlySet<AstNode>;
}

/** Tags that would read other templates; there is no loader (T1), so they are refused outright. */
const loaderTags: Readonly<Record<string, string>> = {
  Include: 'include',
  Import: 'import',
  FromImport: 'from … import',
  Extends: 'extends',
  Block: 'block',
  Super: 'super',
};

/** nunjucks' async and extension machinery, which our code generator does not instrument. */
const unsupportedNodes: ReadonlySet<string> = new Set([
  'CallExtension',
  'CallExtensionAsync',
  'FilterAsync',
  'IfAsync',
  'AsyncEach',
  'AsyncAll',
]);

/** Filters whose piped value may be undefined: they exist to handle it. */
const optionalFilters: ReadonlySet<string> = new Set(['default', 'd', 'empty', 'coalesce']);
/** Globals all of whose arguments may be undefined (Sprig's `default(d, x)`, `coalesce`…). */
const optionalGlobals: ReadonlySet<string> = new Set(['default', 'empty', 'coalesce']);
/** Tests that ask whether a value exists. */
const optionalTests: ReadonlySet<string> = new Set(['defined', 'undefined']);

const at = (node: AstNode) => positionOf(node.lineno, node.colno);

const nameOf = (node: AstNode | undefined): string | undefined =>
  node?.typename === 'Symbol' ? String(node['value']) : undefined;

const walk = (node: AstNode, visit: (n: AstNode) => void): void => {
  visit(node);
  for (const child of childNodes(node)) walk(child, visit);
};

/** Names a template binds itself (sets, loop variables, macros and their arguments). */
const boundNames = (root: AstNode): Set<string> => {
  const names = new Set<string>(['loop', 'caller']);
  const bind = (node: AstNode | undefined): void => {
    const name = nameOf(node);
    if (name !== undefined) names.add(name);
    for (const child of children(node)) bind(child);
  };
  walk(root, (node) => {
    switch (node.typename) {
      case 'Set':
        for (const target of nodeArray(node, 'targets')) bind(target);
        break;
      case 'For':
        bind(field(node, 'name'));
        break;
      case 'Macro':
      case 'Caller':
        bind(field(node, 'name'));
        for (const arg of children(field(node, 'args'))) {
          bind(arg.typename === 'KeywordArgs' || arg.typename === 'Dict' ? undefined : arg);
          if (arg.typename === 'KeywordArgs' || arg.typename === 'Dict') {
            for (const pair of children(arg)) bind(field(pair, 'key'));
          }
        }
        break;
      default:
        break;
    }
  });
  return names;
};

/** Marks a lookup chain (`a`, `a.b`, `a.b[0]`) as allowed to be undefined. */
const markChain = (node: AstNode | undefined, optional: Set<AstNode>): void => {
  let current = node;
  while (current !== undefined) {
    if (current.typename === 'Symbol') {
      optional.add(current);
      return;
    }
    if (current.typename !== 'LookupVal') return;
    optional.add(current);
    current = field(current, 'target');
  }
};

const literalKey = (node: AstNode | undefined): string | undefined =>
  node?.typename === 'Literal' &&
  (typeof node['value'] === 'string' || typeof node['value'] === 'number')
    ? String(node['value'])
    : nameOf(node);

/**
 * Checks a parsed template against the sandbox and the environment's names.
 * Throws a `TemplateFault`: `TemplateSandboxViolation` for loader tags and forbidden names,
 * `TemplateUnknownFunction` for unknown filters, tests and functions, `TemplateSyntaxError` for
 * unsupported constructs.
 */
export const checkTemplate = (root: AstNode, known: KnownNames): CheckedTemplate => {
  const optional = new Set<AstNode>();
  const bound = boundNames(root);
  // `x is divisibleby(3)` parses its test as a call; it names a test, not a function.
  const testCalls = new Set<AstNode>();
  walk(root, (node) => {
    const tag = loaderTags[node.typename];
    if (tag !== undefined) {
      throw sandboxViolation(
        `\`{% ${tag} %}\` is not available: templates have no loader and cannot read other templates`,
        at(node),
      );
    }
    if (unsupportedNodes.has(node.typename)) {
      throw new TemplateFault(
        templateCodes.syntax,
        `${node.typename} is not supported in Lynq templates`,
        at(node),
      );
    }
    switch (node.typename) {
      case 'Literal':
        if (node['value'] instanceof RegExp) {
          throw new TemplateFault(
            templateCodes.syntax,
            'regular-expression literals are not supported; pass the pattern as a string',
            at(node),
          );
        }
        break;
      case 'Symbol': {
        const name = String(node['value']);
        if (forbiddenMembers.has(name)) {
          throw sandboxViolation(`\`${name}\` is not available to templates`, at(node));
        }
        break;
      }
      case 'LookupVal': {
        const key = literalKey(field(node, 'val'));
        if (key !== undefined && forbiddenMembers.has(key)) {
          throw sandboxViolation(`\`${key}\` is not accessible`, at(node));
        }
        break;
      }
      case 'Pair': {
        const key = literalKey(field(node, 'key'));
        if (key !== undefined && forbiddenMembers.has(key)) {
          throw sandboxViolation(`\`${key}\` cannot be a key`, at(node));
        }
        break;
      }
      case 'Filter': {
        const name = nameOf(field(node, 'name')) ?? '';
        if (!known.filters.has(name)) {
          throw new TemplateFault(
            templateCodes.unknownFunction,
            `unknown filter \`${name}\``,
            at(node),
          );
        }
        if (optionalFilters.has(name)) markChain(children(field(node, 'args'))[0], optional);
        break;
      }
      case 'Is': {
        const right = field(node, 'right');
        const name =
          nameOf(right) ?? nameOf(right === undefined ? undefined : field(right, 'name'));
        if (name === undefined || !known.tests.has(name)) {
          throw new TemplateFault(
            templateCodes.unknownFunction,
            `unknown test \`${name ?? '?'}\``,
            at(node),
          );
        }
        if (right?.typename === 'FunCall') testCalls.add(right);
        if (optionalTests.has(name)) markChain(field(node, 'left'), optional);
        break;
      }
      case 'FunCall': {
        const name = nameOf(field(node, 'name'));
        if (name === undefined || testCalls.has(node)) break;
        if (!known.globals.has(name) && !bound.has(name)) {
          if (isHostName(name)) {
            throw sandboxViolation(`\`${name}\` is not available to templates`, at(node));
          }
          throw new TemplateFault(
            templateCodes.unknownFunction,
            `unknown function \`${name}\``,
            at(node),
          );
        }
        if (optionalGlobals.has(name) && !bound.has(name)) {
          for (const arg of children(field(node, 'args'))) markChain(arg, optional);
        }
        break;
      }
      default:
        break;
    }
  });
  return { optional };
};

/** How a lookup reads in messages: `a.b[0]`. */
export const describeLookup = (node: AstNode): string => {
  switch (node.typename) {
    case 'Symbol':
      return String(node['value']);
    case 'Literal':
      return JSON.stringify(node['value']);
    case 'LookupVal': {
      const target = field(node, 'target');
      const val = field(node, 'val');
      const base = target === undefined ? '?' : describeLookup(target);
      if (val?.typename === 'Literal' && typeof val['value'] === 'string') {
        return /^[A-Za-z_$][\w$]*$/.test(val['value'])
          ? `${base}.${val['value']}`
          : `${base}[${JSON.stringify(val['value'])}]`;
      }
      return `${base}[${val === undefined ? '?' : describeLookup(val)}]`;
    }
    case 'FunCall': {
      const name = field(node, 'name');
      return `${name === undefined ? '?' : describeLookup(name)}(…)`;
    }
    default:
      return '(…)';
  }
};
