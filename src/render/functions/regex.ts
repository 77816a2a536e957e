// Regular-expression functions with Go's RE2 syntax and semantics, on re2js (linear time, no ReDoS).
//
// Why re2js and not JavaScript's RegExp: Sprig patterns are Go RE2 patterns. RE2 has no
// lookahead, lookbehind or backreferences, and that is what keeps matching linear in the input;
// a backtracking engine would let one template pattern like `(a+)+$` stall a worker. re2js is a
// port of RE2, so it accepts exactly RE2's syntax (`(?P<name>…)`, `(?i)`, `[[:alpha:]]`, `\pL`,
// `\Q…\E`, `\z`) and rejects what RE2 rejects, with RE2's leftmost-first match semantics.
// What still differs from Go: positions are counted in UTF-16 units, which is invisible here
// because every function returns strings, never offsets.

import { RE2JS } from 're2js';
import type { TemplateFunction } from '../template-function.js';
import { pipedLast } from './table-helpers.js';
import { checkStringLength, intArg, strArg } from './values.js';

/** Most compiled patterns kept per worker; the cache is dropped when it fills. */
const cacheSize = 256;
const cache = new Map<string, RE2JS>();

/**
 * Compiles a Go RE2 pattern.
 * @throws Error naming the function and the pattern when RE2 rejects it (lookaround,
 *   backreferences, bad repeat counts, syntax errors).
 */
function compileRe2(fn: string, pattern: unknown): RE2JS {
  const source = strArg(fn, 'pattern', pattern);
  const cached = cache.get(source);
  if (cached) return cached;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    const hint = /\(\?<?[=!]|\\[1-9]|\\k</.test(source)
      ? ' (lookahead, lookbehind and backreferences are not RE2 syntax)'
      : '';
    throw new Error(`${fn}: invalid RE2 pattern ${JSON.stringify(source)}: ${reason}${hint}`, {
      cause: err,
    });
  }
  if (cache.size >= cacheSize) cache.clear();
  cache.set(source, compiled);
  return compiled;
}

interface Match {
  readonly start: number;
  readonly end: number;
  readonly groups: readonly (string | null)[];
}

/**
 * Go's `allMatches`: at most `n` matches (all when n < 0); an empty match right after the
 * previous match is skipped, which is where Go differs from Java and JavaScript.
 */
function allMatches(re: RE2JS, input: string, n: number): Match[] {
  const matches: Match[] = [];
  if (n === 0) return matches;
  const matcher = re.matcher(input);
  let prevEnd = -1;
  while ((n < 0 || matches.length < n) && matcher.find()) {
    const start = matcher.start();
    const end = matcher.end();
    if (start === end && start === prevEnd) continue;
    const groups: (string | null)[] = [];
    for (let g = 0; g <= matcher.groupCount(); g++) groups.push(matcher.group(g));
    matches.push({ start, end, groups });
    prevEnd = end;
  }
  return matches;
}

/** Go's `Regexp.Expand` template: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(template: string, match: Match, names: Record<string, number>): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    const rest = template.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i = dollar + 2;
      continue;
    }
    const ref = /^\{([A-Za-z0-9_]+)\}|^([A-Za-z0-9_]+)/.exec(rest);
    if (!ref) {
      out += '$'; // malformed reference: Go keeps the dollar as text
      i = dollar + 1;
      continue;
    }
    const name = ref[1] ?? ref[2] ?? '';
    const index = /^\d+$/.test(name) ? Number(name) : names[name];
    if (index !== undefined) out += match.groups[index] ?? '';
    i = dollar + 1 + ref[0].length;
  }
  return out;
}

function replaceAll(
  fn: string,
  pattern: unknown,
  s: unknown,
  repl: unknown,
  literal: boolean,
): string {
  const re = compileRe2(fn, pattern);
  const input = strArg(fn, 'string', s);
  const template = strArg(fn, 'replacement', repl);
  const names = re.namedGroups();
  let out = '';
  let last = 0;
  for (const match of allMatches(re, input, -1)) {
    out += input.slice(last, match.start);
    out += literal ? template : expand(template, match, names);
    last = match.end;
    // Checked while building: the output grows by one replacement at a time.
    checkStringLength(fn, out.length + input.length - last);
  }
  return out + input.slice(last);
}

/** Go's `Regexp.Split`, including its quirk of dropping a trailing empty piece after a final match. */
function split(re: RE2JS, input: string, n: number): string[] {
  if (n === 0) return [];
  if (re.pattern().length > 0 && input.length === 0) return [''];
  const pieces: string[] = [];
  let beg = 0;
  let end = 0;
  for (const match of allMatches(re, input, n)) {
    if (n > 0 && pieces.length === n - 1) break;
    end = match.start;
    if (match.end !== 0) pieces.push(input.slice(beg, end));
    beg = match.end;
  }
  if (end !== input.length) pieces.push(input.slice(beg));
  return pieces;
}

/** Go's `regexp.QuoteMeta`. */
function quoteMeta(s: unknown): string {
  return strArg('regexQuoteMeta', 'string', s).replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function regexMatch(fn: string) {
  return (pattern: unknown, s: unknown): boolean =>
    compileRe2(fn, pattern).test(strArg(fn, 'string', s));
}

function regexFindAll(fn: string) {
  return (pattern: unknown, s: unknown, n: unknown): string[] =>
    allMatches(compileRe2(fn, pattern), strArg(fn, 'string', s), intArg(fn, 'n', n)).map(
      (m) => m.groups[0] ?? '',
    );
}

function regexFind(fn: string) {
  return (pattern: unknown, s: unknown): string =>
    allMatches(compileRe2(fn, pattern), strArg(fn, 'string', s), 1)[0]?.groups[0] ?? '';
}

function regexReplaceAll(fn: string, literal: boolean) {
  return (pattern: unknown, s: unknown, repl: unknown): string =>
    replaceAll(fn, pattern, s, repl, literal);
}

function regexSplit(fn: string) {
  return (pattern: unknown, s: unknown, n: unknown): string[] =>
    split(compileRe2(fn, pattern), strArg(fn, 'string', s), intArg(fn, 'n', n));
}

const mustNote = 'Same as the non-`must` form: both fail the render on an invalid pattern.';

/** Sprig's order puts the pattern first and the string second; the filter pipes the string. */
function stringFirst(global: (...args: unknown[]) => unknown) {
  return (s: unknown, pattern: unknown, ...rest: unknown[]) => global(pattern, s, ...rest);
}

function regexEntries(must: boolean): TemplateFunction[] {
  const p = (name: string) => (must ? `must${name[0]?.toUpperCase() ?? ''}${name.slice(1)}` : name);
  const note = must ? ` ${mustNote}` : '';
  return [
    {
      name: p('regexMatch'),
      filterSignature: `s | ${p('regexMatch')}(pattern)`,
      globalSignature: `${p('regexMatch')}(pattern, s)`,
      meaning: `True when the string contains a match of the RE2 pattern.${note}`,
      example: `{{ "test@acme.com" | ${p('regexMatch')}("^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\\\.[A-Za-z]{2,}$") }}`,
      expected: 'true',
      filter: stringFirst(regexMatch(p('regexMatch'))),
      global: regexMatch(p('regexMatch')),
    },
    {
      name: p('regexFindAll'),
      filterSignature: `s | ${p('regexFindAll')}(pattern, n)`,
      globalSignature: `${p('regexFindAll')}(pattern, s, n)`,
      meaning: `The list of matches, at most \`n\` (all when n is -1).${note}`,
      example: `{{ "123456789" | ${p('regexFindAll')}("[2,4,6,8]", -1) | join(" ") }}`,
      expected: '2 4 6 8',
      filter: stringFirst(regexFindAll(p('regexFindAll'))),
      global: regexFindAll(p('regexFindAll')),
    },
    {
      name: p('regexFind'),
      filterSignature: `s | ${p('regexFind')}(pattern)`,
      globalSignature: `${p('regexFind')}(pattern, s)`,
      meaning: `The first (leftmost) match, or "" when there is none.${note}`,
      example: `{{ "abcd1234" | ${p('regexFind')}("[a-zA-Z][1-9]") }}`,
      expected: 'd1',
      filter: stringFirst(regexFind(p('regexFind'))),
      global: regexFind(p('regexFind')),
    },
    {
      name: p('regexReplaceAll'),
      filterSignature: `s | ${p('regexReplaceAll')}(pattern, replacement)`,
      globalSignature: `${p('regexReplaceAll')}(pattern, s, replacement)`,
      meaning: `Replaces every match; \`$1\`, \`\${1}\`, \`$name\` in the replacement expand as in Go (write \`\${1}W\`, since \`$1W\` names a group "1W").${note}`,
      example: `{{ "-ab-axxb-" | ${p('regexReplaceAll')}("a(x*)b", "\${1}W") }}`,
      expected: '-W-xxW-',
      filter: stringFirst(regexReplaceAll(p('regexReplaceAll'), false)),
      global: regexReplaceAll(p('regexReplaceAll'), false),
    },
    {
      name: p('regexReplaceAllLiteral'),
      filterSignature: `s | ${p('regexReplaceAllLiteral')}(pattern, replacement)`,
      globalSignature: `${p('regexReplaceAllLiteral')}(pattern, s, replacement)`,
      meaning: `Replaces every match with the replacement taken literally (no \`$\` expansion).${note}`,
      example: `{{ "-ab-axxb-" | ${p('regexReplaceAllLiteral')}("a(x*)b", "\${1}") }}`,
      expected: '-${1}-${1}-',
      filter: stringFirst(regexReplaceAll(p('regexReplaceAllLiteral'), true)),
      global: regexReplaceAll(p('regexReplaceAllLiteral'), true),
    },
    {
      name: p('regexSplit'),
      filterSignature: `s | ${p('regexSplit')}(pattern, n)`,
      globalSignature: `${p('regexSplit')}(pattern, s, n)`,
      meaning: `Splits the string around matches into at most \`n\` pieces (all when n is -1).${note}`,
      example: `{{ "pizza" | ${p('regexSplit')}("z+", -1) | join(" ") }}`,
      expected: 'pi a',
      filter: stringFirst(regexSplit(p('regexSplit'))),
      global: regexSplit(p('regexSplit')),
    },
  ];
}

export const regexFunctions: readonly TemplateFunction[] = [
  ...regexEntries(false),
  ...regexEntries(true),
  {
    name: 'regexQuoteMeta',
    filterSignature: 's | regexQuoteMeta',
    globalSignature: 'regexQuoteMeta(s)',
    meaning: 'Escapes every RE2 metacharacter, giving a pattern that matches the text literally.',
    example: '{{ "1.2.3" | regexQuoteMeta }}',
    expected: '1\\.2\\.3',
    filter: pipedLast(quoteMeta),
    global: quoteMeta,
  },
];
