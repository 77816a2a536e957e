// The JSONPath subset `ignoreFields` accepts (SPEC §1, N11), parsed into segments so a form can be rejected before any node uses it (F1).

/** One step of a path: a field name, a list index, or every element / field (`*`). */
export type JsonPathSegment =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' };

export type JsonPathResult =
  | { readonly ok: true; readonly segments: readonly JsonPathSegment[] }
  | { readonly ok: false; readonly message: string };

const identifier = /^[A-Za-z0-9_-]+/;

interface PathFailure {
  readonly ok: false;
  readonly message: string;
}

const fail = (path: string, at: number, what: string): PathFailure => ({
  ok: false,
  message: `"${path}" at position ${String(at)}: ${what}`,
});

/**
 * Parses `$.spec.replicas`, `spec.replicas`, `.spec.template.spec.containers[*].image`,
 * `metadata.annotations['example.com/key']`, `data["a.b"]`, `items[0]`, `spec.*`. Never throws.
 * Rejected: an empty path or one naming no field, empty steps (`a..b`), unterminated brackets or
 * quotes, anything else JSONPath offers (filters, slices, recursive descent), which a field
 * ownership rule cannot use.
 */
export const parseJsonPath = (path: string): JsonPathResult => {
  if (path.trim() === '') return { ok: false, message: 'the path is empty' };
  const segments: JsonPathSegment[] = [];
  let i = 0;
  if (path.startsWith('$')) i = 1;
  // A leading field may omit the dot: `spec.replicas` is `$.spec.replicas`.
  let needDot = i === 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '[') {
      const close = readBracket(path, i);
      if (!close.ok) return close;
      segments.push(close.segment);
      i = close.end;
      needDot = false;
      continue;
    }
    if (c === '.') {
      if (path[i + 1] === '.') return fail(path, i, 'recursive descent (..) is not supported');
      i += 1;
    } else if (needDot || segments.length > 0) {
      return fail(path, i, `unexpected "${c ?? ''}"; expected "." or "["`);
    }
    if (path[i] === '*') {
      segments.push({ kind: 'wildcard' });
      i += 1;
      needDot = true;
      continue;
    }
    const match = identifier.exec(path.slice(i));
    if (match === null) return fail(path, i, 'expected a field name');
    segments.push({ kind: 'field', name: match[0] });
    i += match[0].length;
    needDot = true;
  }
  if (segments.length === 0) return { ok: false, message: `"${path}" names no field` };
  return { ok: true, segments };
};

type BracketResult =
  { readonly ok: true; readonly segment: JsonPathSegment; readonly end: number } | PathFailure;

const readBracket = (path: string, open: number): BracketResult => {
  const body = path.slice(open + 1);
  const quote = body[0];
  if (quote === "'" || quote === '"') {
    const endQuote = body.indexOf(quote, 1);
    if (endQuote < 0) return fail(path, open, 'unterminated quoted name');
    if (body[endQuote + 1] !== ']') {
      return fail(path, open + endQuote + 2, 'expected "]" after a quoted name');
    }
    const name = body.slice(1, endQuote);
    if (name === '') return fail(path, open, 'empty quoted name');
    return { ok: true, segment: { kind: 'field', name }, end: open + endQuote + 3 };
  }
  const close = body.indexOf(']');
  if (close < 0) return fail(path, open, 'unterminated "["');
  const inner = body.slice(0, close).trim();
  const end = open + close + 2;
  if (inner === '*') return { ok: true, segment: { kind: 'wildcard' }, end };
  if (/^[0-9]+$/.test(inner))
    return { ok: true, segment: { kind: 'index', index: Number(inner) }, end };
  return fail(
    path,
    open + 1,
    `"[${inner}]" is not an index, "*" or a quoted name (filters and slices are not supported)`,
  );
};
