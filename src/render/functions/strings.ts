// String functions (Sprig's strings.md): trimming, case, truncation, quoting, indentation, wrapping.

import type { TemplateFunction } from '../template-function.js';
import { codePoints, pipedLast } from './table-helpers.js';
import { checkStringLength, intArg, strArg, toGoString } from './values.js';

/** Go's `strings.Title` word separator test. */
function isTitleSeparator(ch: string): boolean {
  if (ch.length === 1 && ch.charCodeAt(0) < 0x80) return !/[A-Za-z0-9_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\s/u.test(ch);
}

function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isTitleSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function untitle(s: string): string {
  let prevSpace = true;
  let out = '';
  for (const ch of s) {
    out += prevSpace ? ch.toLowerCase() : ch;
    prevSpace = /\s/u.test(ch);
  }
  return out;
}

function swapcase(s: string): string {
  // goutils distinguishes title case from upper case after white space; for the scripts
  // Kubernetes names use they are the same letter, so every lower-case letter goes up.
  let out = '';
  for (const ch of s) {
    const upper = ch.toUpperCase();
    const lower = ch.toLowerCase();
    if (ch === upper && ch !== lower) out += lower;
    else if (ch === lower && ch !== upper) out += upper;
    else out += ch;
  }
  return out;
}

/** goutils' Abbreviate/AbbreviateFull; Sprig returns the input unchanged where goutils errors. */
function abbreviateFull(s: string, offsetIn: number, maxWidth: number): string {
  const chars = codePoints(s);
  if (chars.length <= maxWidth) return s;
  let offset = Math.min(offsetIn, chars.length);
  if (chars.length - offset < maxWidth - 3) offset = chars.length - (maxWidth - 3);
  if (offset <= 4) return chars.slice(0, maxWidth - 3).join('') + '...';
  if (maxWidth < 7) return s;
  if (offset + maxWidth - 3 < chars.length) {
    return '...' + abbreviateFull(chars.slice(offset).join(''), 0, maxWidth - 3);
  }
  return '...' + chars.slice(chars.length - (maxWidth - 3)).join('');
}

/** goutils' WrapCustom: breaks at the last space within `width`; long words optionally split. */
function wrapCustom(s: string, widthIn: number, sepIn: string, wrapLongWords: boolean): string {
  if (s === '') return '';
  const sep = sepIn === '' ? '\n' : sepIn;
  const width = Math.max(widthIn, 1);
  // Worst case: a separator after every `width` characters.
  checkStringLength('wrap', s.length + Math.ceil(s.length / width) * sep.length);
  let offset = 0;
  let out = '';
  while (s.length - offset > width) {
    if (s[offset] === ' ') {
      offset++;
      continue;
    }
    const spaceAt = s.slice(offset, width + offset + 1).lastIndexOf(' ') + offset;
    if (spaceAt >= offset) {
      out += s.slice(offset, spaceAt) + sep;
      offset = spaceAt + 1;
    } else if (wrapLongWords) {
      out += s.slice(offset, offset + width) + sep;
      offset += width;
    } else {
      const next = s.indexOf(' ', offset + width);
      if (next === -1) {
        out += s.slice(offset);
        offset = s.length;
      } else {
        out += s.slice(offset, next) + sep;
        offset = next + 1;
      }
    }
  }
  return out + s.slice(offset);
}

/** Go's `%q`: double-quoted with Go escapes. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\v':
        out += '\\v';
        break;
      default:
        if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
        else if (!/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) {
          out +=
            cp < 0x10000
              ? `\\u${cp.toString(16).padStart(4, '0')}`
              : `\\U${cp.toString(16).padStart(8, '0')}`;
        } else out += ch;
    }
  }
  return out + '"';
}

/** Splits into words at separators, lower→upper changes and the end of acronyms (xstrings). */
function words(s: string): string[] {
  return s
    .replace(/([\p{Ll}\p{Nd}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(/[^\p{L}\p{Nd}]+/u)
    .filter((w) => w !== '');
}

function camelcase(s: string): string {
  const lead = s.startsWith('_') ? '_' : '';
  const trail = s.endsWith('_') && s.length > 1 ? '_' : '';
  const body = s.replace(/^_+|_+$/g, '');
  // A run of n underscores inside the string keeps n-1 of them, as xstrings does.
  const parts = body.split(/(_+)/);
  let out = '';
  for (const part of parts) {
    if (part.startsWith('_')) {
      out += part.slice(1);
      continue;
    }
    const rest = part.slice(1);
    const first = part.slice(0, 1).toUpperCase();
    out += first + (rest === rest.toUpperCase() ? rest.toLowerCase() : rest);
  }
  return lead + out + trail;
}

function indent(fn: string, spaces: number, text: string): string {
  if (spaces < 0) throw new Error(`${fn}: width must not be negative`);
  const lines = text.split('\n').length;
  checkStringLength(fn, text.length + lines * spaces + (fn === 'nindent' ? 1 : 0));
  const pad = ' '.repeat(spaces);
  return pad + text.replaceAll('\n', '\n' + pad);
}

function repeat(count: unknown, s: unknown): string {
  const n = intArg('repeat', 'count', count);
  const text = strArg('repeat', 'string', s);
  if (n < 0) throw new Error('repeat: count must not be negative');
  checkStringLength('repeat', n * text.length);
  return text.repeat(n);
}

function replace(old: unknown, replacement: unknown, src: unknown): string {
  const from = strArg('replace', 'old', old);
  const to = strArg('replace', 'new', replacement);
  const text = strArg('replace', 'string', src);
  const count = from === '' ? codePoints(text).length + 1 : text.split(from).length - 1;
  checkStringLength('replace', text.length + count * (to.length - from.length));
  if (from === '') return to + codePoints(text).join(to) + (text === '' ? '' : to);
  return text.replaceAll(from, to);
}

function trunc(c: unknown, s: unknown): string {
  const n = intArg('trunc', 'length', c);
  const chars = codePoints(strArg('trunc', 'string', s));
  if (n < 0 && chars.length + n > 0) return chars.slice(chars.length + n).join('');
  if (n >= 0 && chars.length > n) return chars.slice(0, n).join('');
  return chars.join('');
}

function substr(start: unknown, end: unknown, s: unknown): string {
  const from = intArg('substr', 'start', start);
  const to = intArg('substr', 'end', end);
  const chars = codePoints(strArg('substr', 'string', s));
  if (from < 0) return chars.slice(0, Math.max(to, 0)).join('');
  if (to < 0 || to > chars.length) return chars.slice(from).join('');
  if (from > to) throw new Error('substr: start is after end');
  return chars.slice(from, to).join('');
}

/** Go's `strings.Trim` with a cutset: removes any of the cutset's characters from both ends. */
function trimAll(cutset: unknown, s: unknown): string {
  const cut = new Set(codePoints(strArg('trimAll', 'cutset', cutset)));
  const chars = codePoints(strArg('trimAll', 'string', s));
  let start = 0;
  let end = chars.length;
  while (start < end && cut.has(chars[start] ?? '')) start++;
  while (end > start && cut.has(chars[end - 1] ?? '')) end--;
  return chars.slice(start, end).join('');
}

function trimSuffix(suffix: unknown, s: unknown): string {
  const text = strArg('trimSuffix', 'string', s);
  const cut = strArg('trimSuffix', 'suffix', suffix);
  return cut !== '' && text.endsWith(cut) ? text.slice(0, text.length - cut.length) : text;
}

function trimPrefix(prefix: unknown, s: unknown): string {
  const text = strArg('trimPrefix', 'string', s);
  const cut = strArg('trimPrefix', 'prefix', prefix);
  return text.startsWith(cut) ? text.slice(cut.length) : text;
}

const str = (fn: string) => (v: unknown) => strArg(fn, 'string', v);

export const stringFunctions: readonly TemplateFunction[] = [
  {
    name: 'trim',
    filterSignature: 's | trim',
    globalSignature: 'trim(s)',
    meaning: 'Removes white space from both ends of the string.',
    example: '{{ "   hello    " | trim }}',
    expected: 'hello',
    clash: 'nunjucks `trim` does the same; ours is registered and behaves identically.',
    filter: (s: unknown) => str('trim')(s).trim(),
    global: (s: unknown) => str('trim')(s).trim(),
  },
  {
    name: 'trimAll',
    filterSignature: 's | trimAll(cutset)',
    globalSignature: 'trimAll(cutset, s)',
    meaning: 'Removes the given characters from the front and back of the string.',
    example: '{{ "$5.00" | trimAll("$") }}',
    expected: '5.00',
    filter: pipedLast(trimAll),
    global: trimAll,
  },
  {
    name: 'trimall',
    filterSignature: 's | trimall(cutset)',
    globalSignature: 'trimall(cutset, s)',
    meaning: 'Deprecated Sprig spelling of `trimAll`.',
    example: '{{ trimall("$", "$5.00") }}',
    expected: '5.00',
    filter: pipedLast(trimAll),
    global: trimAll,
  },
  {
    name: 'trimSuffix',
    filterSignature: 's | trimSuffix(suffix)',
    globalSignature: 'trimSuffix(suffix, s)',
    meaning: 'Removes the suffix once if the string ends with it.',
    example: '{{ "hello-" | trimSuffix("-") }}',
    expected: 'hello',
    filter: pipedLast(trimSuffix),
    global: trimSuffix,
  },
  {
    name: 'trimPrefix',
    filterSignature: 's | trimPrefix(prefix)',
    globalSignature: 'trimPrefix(prefix, s)',
    meaning: 'Removes the prefix once if the string starts with it.',
    example: '{{ "-hello" | trimPrefix("-") }}',
    expected: 'hello',
    filter: pipedLast(trimPrefix),
    global: trimPrefix,
  },
  {
    name: 'upper',
    filterSignature: 's | upper',
    globalSignature: 'upper(s)',
    meaning: 'Converts the whole string to upper case.',
    example: '{{ "hello" | upper }}',
    expected: 'HELLO',
    clash: 'nunjucks `upper` does the same; ours is registered and behaves identically.',
    filter: (s: unknown) => str('upper')(s).toUpperCase(),
    global: (s: unknown) => str('upper')(s).toUpperCase(),
  },
  {
    name: 'lower',
    filterSignature: 's | lower',
    globalSignature: 'lower(s)',
    meaning: 'Converts the whole string to lower case.',
    example: '{{ "HELLO" | lower }}',
    expected: 'hello',
    clash: 'nunjucks `lower` does the same; ours is registered and behaves identically.',
    filter: (s: unknown) => str('lower')(s).toLowerCase(),
    global: (s: unknown) => str('lower')(s).toLowerCase(),
  },
  {
    name: 'title',
    filterSignature: 's | title',
    globalSignature: 'title(s)',
    meaning: 'Upper-cases the first letter of every word and leaves the other letters alone.',
    example: '{{ "hello world" | title }}',
    expected: 'Hello World',
    clash:
      'Sprig wins: nunjucks `title` also lower-cases the rest of each word ("hELLO" → "Hello"); ours keeps it ("hELLO" → "HELLO"), as Go templates do.',
    filter: (s: unknown) => title(str('title')(s)),
    global: (s: unknown) => title(str('title')(s)),
  },
  {
    name: 'untitle',
    filterSignature: 's | untitle',
    globalSignature: 'untitle(s)',
    meaning: 'Lower-cases the first letter of every word.',
    example: '{{ "Hello World" | untitle }}',
    expected: 'hello world',
    filter: (s: unknown) => untitle(str('untitle')(s)),
    global: (s: unknown) => untitle(str('untitle')(s)),
  },
  {
    name: 'repeat',
    filterSignature: 's | repeat(count)',
    globalSignature: 'repeat(count, s)',
    meaning: 'Repeats the string `count` times; refuses results over the render string limit.',
    example: '{{ "hello" | repeat(3) }}',
    expected: 'hellohellohello',
    filter: pipedLast(repeat),
    global: repeat,
  },
  {
    name: 'substr',
    filterSignature: 's | substr(start, end)',
    globalSignature: 'substr(start, end, s)',
    meaning:
      'The characters from `start` up to (not including) `end`; a negative start means 0, a negative or too large end means the end.',
    example: '{{ "hello world" | substr(0, 5) }}',
    expected: 'hello',
    filter: pipedLast(substr),
    global: substr,
  },
  {
    name: 'nospace',
    filterSignature: 's | nospace',
    globalSignature: 'nospace(s)',
    meaning: 'Removes all white space.',
    example: '{{ "hello w o r l d" | nospace }}',
    expected: 'helloworld',
    filter: (s: unknown) => str('nospace')(s).replace(/\s+/gu, ''),
    global: (s: unknown) => str('nospace')(s).replace(/\s+/gu, ''),
  },
  {
    name: 'trunc',
    filterSignature: 's | trunc(n)',
    globalSignature: 'trunc(n, s)',
    meaning:
      'Keeps the first `n` characters (code points), or the last `-n` when `n` is negative; adds no suffix.',
    example: '{{ "hello world" | trunc(5) }} {{ "hello world" | trunc(-5) }}',
    expected: 'hello world',
    filter: pipedLast(trunc),
    global: trunc,
  },
  {
    name: 'abbrev',
    filterSignature: 's | abbrev(width)',
    globalSignature: 'abbrev(width, s)',
    meaning:
      'Truncates to `width` characters with `...`, the ellipsis counting towards the width; widths under 4 leave the string alone.',
    example: '{{ "hello world" | abbrev(5) }}',
    expected: 'he...',
    filter: pipedLast((width, s) => {
      const w = intArg('abbrev', 'width', width);
      const text = strArg('abbrev', 'string', s);
      return w < 4 ? text : abbreviateFull(text, 0, w);
    }),
    global: (width: unknown, s: unknown) => {
      const w = intArg('abbrev', 'width', width);
      const text = strArg('abbrev', 'string', s);
      return w < 4 ? text : abbreviateFull(text, 0, w);
    },
  },
  {
    name: 'abbrevboth',
    filterSignature: 's | abbrevboth(offset, width)',
    globalSignature: 'abbrevboth(offset, width, s)',
    meaning:
      'Abbreviates both sides: skips to `offset`, then keeps `width` characters with ellipses.',
    example: '{{ "1234 5678 9123" | abbrevboth(5, 10) }}',
    expected: '...5678...',
    filter: pipedLast(abbrevboth),
    global: abbrevboth,
  },
  {
    name: 'initials',
    filterSignature: 's | initials',
    globalSignature: 'initials(s)',
    meaning: 'The first letter of every word, joined.',
    example: '{{ "First Try" | initials }}',
    expected: 'FT',
    filter: (s: unknown) => initials(s),
    global: (s: unknown) => initials(s),
  },
  {
    name: 'wrap',
    filterSignature: 's | wrap(width)',
    globalSignature: 'wrap(width, s)',
    meaning:
      'Wraps text at `width` columns with newlines, breaking at spaces; long words are kept.',
    example: '{{ "Hello World" | wrap(5) }}',
    expected: 'Hello\nWorld',
    filter: pipedLast((width, s) =>
      wrapCustom(strArg('wrap', 'string', s), intArg('wrap', 'width', width), '\n', false),
    ),
    global: (width: unknown, s: unknown) =>
      wrapCustom(strArg('wrap', 'string', s), intArg('wrap', 'width', width), '\n', false),
  },
  {
    name: 'wrapWith',
    filterSignature: 's | wrapWith(width, separator)',
    globalSignature: 'wrapWith(width, separator, s)',
    meaning: 'Like `wrap`, with a separator of your choice; long words are split.',
    // Sprig's docs print the result lower-cased ("hello world"), a typo: wrapping keeps case.
    example: '{{ "Hello World" | wrapWith(5, "\\t") }}',
    expected: 'Hello\tWorld',
    filter: pipedLast(wrapWith),
    global: wrapWith,
  },
  {
    name: 'contains',
    filterSignature: 's | contains(part)',
    globalSignature: 'contains(part, s)',
    meaning: 'True when `part` occurs in the string.',
    example: '{{ "catch" | contains("cat") }}',
    expected: 'true',
    filter: pipedLast((part, s) =>
      strArg('contains', 'string', s).includes(strArg('contains', 'part', part)),
    ),
    global: (part: unknown, s: unknown) =>
      strArg('contains', 'string', s).includes(strArg('contains', 'part', part)),
  },
  {
    name: 'hasPrefix',
    filterSignature: 's | hasPrefix(prefix)',
    globalSignature: 'hasPrefix(prefix, s)',
    meaning: 'True when the string starts with `prefix`.',
    example: '{{ "catch" | hasPrefix("cat") }}',
    expected: 'true',
    filter: pipedLast((p, s) =>
      strArg('hasPrefix', 'string', s).startsWith(strArg('hasPrefix', 'prefix', p)),
    ),
    global: (p: unknown, s: unknown) =>
      strArg('hasPrefix', 'string', s).startsWith(strArg('hasPrefix', 'prefix', p)),
  },
  {
    name: 'hasSuffix',
    filterSignature: 's | hasSuffix(suffix)',
    globalSignature: 'hasSuffix(suffix, s)',
    meaning: 'True when the string ends with `suffix`.',
    example: '{{ "catch" | hasSuffix("tch") }}',
    expected: 'true',
    filter: pipedLast((p, s) =>
      strArg('hasSuffix', 'string', s).endsWith(strArg('hasSuffix', 'suffix', p)),
    ),
    global: (p: unknown, s: unknown) =>
      strArg('hasSuffix', 'string', s).endsWith(strArg('hasSuffix', 'suffix', p)),
  },
  {
    name: 'quote',
    filterSignature: 'v | quote(...more)',
    globalSignature: 'quote(...values)',
    meaning:
      'Wraps each value in double quotes with Go escapes, joined by spaces; nulls are skipped.',
    example: '{{ "hello" | quote }}',
    expected: '"hello"',
    filter: (...values: unknown[]) => quoteAll(values),
    global: (...values: unknown[]) => quoteAll(values),
  },
  {
    name: 'squote',
    filterSignature: 'v | squote(...more)',
    globalSignature: 'squote(...values)',
    meaning:
      'Wraps each value in single quotes (no escaping), joined by spaces; nulls are skipped.',
    example: '{{ "hello" | squote }}',
    expected: "'hello'",
    filter: (...values: unknown[]) => squoteAll(values),
    global: (...values: unknown[]) => squoteAll(values),
  },
  {
    name: 'cat',
    filterSignature: 'v | cat(...more)',
    globalSignature: 'cat(...values)',
    meaning: 'Joins the values with spaces; nulls are skipped.',
    example: '{{ cat("hello", "beautiful", "world") }}',
    expected: 'hello beautiful world',
    filter: (...values: unknown[]) => catAll(values),
    global: (...values: unknown[]) => catAll(values),
  },
  {
    name: 'indent',
    filterSignature: 's | indent(width)',
    globalSignature: 'indent(width, s)',
    meaning: 'Indents every line, the first included, by `width` spaces.',
    example: '{{ "a\\nb" | indent(4) }}',
    expected: '    a\n    b',
    clash:
      'Sprig wins: nunjucks `indent(width, first=false)` leaves the first line alone; ours indents every line, as Helm charts expect. A second argument is ignored.',
    filter: (s: unknown, width: unknown) =>
      indent('indent', intArg('indent', 'width', width), strArg('indent', 'string', s)),
    global: (width: unknown, s: unknown) =>
      indent('indent', intArg('indent', 'width', width), strArg('indent', 'string', s)),
  },
  {
    name: 'nindent',
    filterSignature: 's | nindent(width)',
    globalSignature: 'nindent(width, s)',
    meaning: 'Like `indent`, with a newline in front.',
    example: '{{ "a\\nb" | nindent(2) }}',
    expected: '\n  a\n  b',
    filter: (s: unknown, width: unknown) =>
      '\n' + indent('nindent', intArg('nindent', 'width', width), strArg('nindent', 'string', s)),
    global: (width: unknown, s: unknown) =>
      '\n' + indent('nindent', intArg('nindent', 'width', width), strArg('nindent', 'string', s)),
  },
  {
    name: 'replace',
    filterSignature: 's | replace(old, new)',
    globalSignature: 'replace(old, new, s)',
    meaning: 'Replaces every occurrence of `old` with `new`.',
    example: '{{ "I Am Henry VIII" | replace(" ", "-") }}',
    expected: 'I-Am-Henry-VIII',
    clash:
      'Sprig wins, compatible for the usual two-argument form: nunjucks also takes a regex as `old` and a maximum count as a third argument; ours takes neither.',
    filter: pipedLast(replace),
    global: replace,
  },
  {
    name: 'plural',
    filterSignature: 'count | plural(one, many)',
    globalSignature: 'plural(one, many, count)',
    meaning: '`one` when the count is 1, `many` otherwise (0 is plural).',
    example: '{{ 1 | plural("one anchovy", "many anchovies") }}',
    expected: 'one anchovy',
    filter: pipedLast(plural),
    global: plural,
  },
  {
    name: 'snakecase',
    filterSignature: 's | snakecase',
    globalSignature: 'snakecase(s)',
    meaning: 'Converts to snake_case; digits stay in their word.',
    example: '{{ "FirstName" | snakecase }}',
    expected: 'first_name',
    filter: (s: unknown) => snake('snakecase', s, '_'),
    global: (s: unknown) => snake('snakecase', s, '_'),
  },
  {
    name: 'camelcase',
    filterSignature: 's | camelcase',
    globalSignature: 'camelcase(s)',
    meaning: 'Converts snake_case to CamelCase (upper camel case).',
    example: '{{ "http_server" | camelcase }}',
    expected: 'HttpServer',
    filter: (s: unknown) => camelcase(str('camelcase')(s)),
    global: (s: unknown) => camelcase(str('camelcase')(s)),
  },
  {
    name: 'kebabcase',
    filterSignature: 's | kebabcase',
    globalSignature: 'kebabcase(s)',
    meaning: 'Converts to kebab-case; digits stay in their word.',
    example: '{{ "FirstName" | kebabcase }}',
    expected: 'first-name',
    filter: (s: unknown) => snake('kebabcase', s, '-'),
    global: (s: unknown) => snake('kebabcase', s, '-'),
  },
  {
    name: 'swapcase',
    filterSignature: 's | swapcase',
    globalSignature: 'swapcase(s)',
    meaning:
      'Swaps case word by word: upper becomes lower, lower becomes upper (title at a word start).',
    example: '{{ "This Is A.Test" | swapcase }}',
    expected: 'tHIS iS a.tEST',
    filter: (s: unknown) => swapcase(str('swapcase')(s)),
    global: (s: unknown) => swapcase(str('swapcase')(s)),
  },
  {
    name: 'toHost',
    filterSignature: 'urlOrHost | toHost',
    globalSignature: 'toHost(urlOrHost)',
    meaning:
      'The host of a URL or `host:port`, without scheme, user, port or path (IPv6 without brackets). Lynq addition.',
    example: '{{ "https://user@api.example.com:8443/v1?x=1" | toHost }}',
    expected: 'api.example.com',
    filter: (s: unknown) => toHost(s),
    global: (s: unknown) => toHost(s),
  },
  {
    name: 'trunc63',
    filterSignature: 's | trunc63',
    globalSignature: 'trunc63(s)',
    meaning:
      'Truncates to 63 characters, then trims trailing `-`, `.` and `_`, so the result stays a valid DNS label or label value. Lynq addition.',
    example: '{{ "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefg-hij" | trunc63 }}',
    expected: 'abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefg',
    filter: (s: unknown) => trunc63(s),
    global: (s: unknown) => trunc63(s),
  },
];

function abbrevboth(left: unknown, right: unknown, s: unknown): string {
  const l = intArg('abbrevboth', 'offset', left);
  const r = intArg('abbrevboth', 'width', right);
  const text = strArg('abbrevboth', 'string', s);
  if (r < 4 || (l > 0 && r < 7)) return text;
  return abbreviateFull(text, l, r);
}

function wrapWith(width: unknown, sep: unknown, s: unknown): string {
  return wrapCustom(
    strArg('wrapWith', 'string', s),
    intArg('wrapWith', 'width', width),
    strArg('wrapWith', 'separator', sep),
    true,
  );
}

function initials(s: unknown): string {
  return strArg('initials', 'string', s)
    .split(/\s+/u)
    .filter((w) => w !== '')
    .map((w) => codePoints(w)[0] ?? '')
    .join('');
}

function quoteAll(values: readonly unknown[]): string {
  return values
    .filter((v) => v !== null && v !== undefined)
    .map((v) => goQuote(toGoString(v)))
    .join(' ');
}

function squoteAll(values: readonly unknown[]): string {
  return values
    .filter((v) => v !== null && v !== undefined)
    .map((v) => `'${toGoString(v)}'`)
    .join(' ');
}

function catAll(values: readonly unknown[]): string {
  return values
    .filter((v) => v !== null && v !== undefined)
    .map((v) => toGoString(v))
    .join(' ');
}

function plural(one: unknown, many: unknown, count: unknown): string {
  return intArg('plural', 'count', count) === 1
    ? strArg('plural', 'one', one)
    : strArg('plural', 'many', many);
}

function snake(fn: string, s: unknown, sep: string): string {
  return words(strArg(fn, 'string', s))
    .map((w) => w.toLowerCase())
    .join(sep);
}

function toHost(value: unknown): string {
  let rest = strArg('toHost', 'url', value).trim();
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  rest = rest.replace(/^\/\//, '');
  rest = rest.split(/[/?#]/, 1)[0] ?? '';
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = rest.slice(at + 1);
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    return close > 0 ? rest.slice(1, close) : rest.slice(1);
  }
  const colon = rest.indexOf(':');
  return colon >= 0 ? rest.slice(0, colon) : rest;
}

function trunc63(value: unknown): string {
  return codePoints(strArg('trunc63', 'string', value))
    .slice(0, 63)
    .join('')
    .replace(/[-._]+$/, '');
}
