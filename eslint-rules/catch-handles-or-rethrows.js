// ESLint rule lynq/catch-handles-or-rethrows (STYLE 7): every `catch` rethrows, or does something with what it caught.

/** Whether `node` holds a `throw` outside any function nested in it. */
const throwsWithin = (node) => {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(throwsWithin);
  if (node.type === 'ThrowStatement') return true;
  if (/Function/.test(node.type ?? '')) return false;
  return Object.entries(node).some(([key, child]) => key !== 'parent' && throwsWithin(child));
};

const logMethods = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'log']);

/** Whether `statement` is only a log call (`logger.warn({ err }, '…')`, `console.error(err)`) or a bare `return`. */
const logsOnly = (statement) => {
  if (statement.type === 'ReturnStatement') return statement.argument === null;
  if (statement.type !== 'ExpressionStatement') return false;
  const call = statement.expression;
  return (
    call.type === 'CallExpression' &&
    call.callee.type === 'MemberExpression' &&
    call.callee.property.type === 'Identifier' &&
    logMethods.has(call.callee.property.name)
  );
};

/**
 * Reports a catch that swallows what it caught: one without a binding or that never reads it,
 * and never throws; and one that reads it only to log it (a log line is not a handling: the
 * caller still believes the work was done).
 */
export const catchHandlesOrRethrows = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      swallowed:
        'This catch swallows the error: rethrow it, wrap it, record it, or test its class (`if (!(err instanceof SyntaxError)) throw err`).',
      loggedOnly:
        'This catch only logs the error: rethrow it, wrap it, record it as a condition or outcome, or test its class.',
    },
  },
  create: (context) => ({
    CatchClause: (node) => {
      if (throwsWithin(node.body)) return;
      const caught = context.sourceCode.getDeclaredVariables(node);
      if (!caught.some((variable) => variable.references.length > 0)) {
        context.report({ node, messageId: 'swallowed' });
        return;
      }
      const [first] = node.body.body;
      // Reported on the log line, so a deliberate best-effort catch says why right above it.
      if (first !== undefined && node.body.body.every(logsOnly)) {
        context.report({ node: first, messageId: 'loggedOnly' });
      }
    },
  }),
};
