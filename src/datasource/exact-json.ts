// Parsing JSON column text without rounding integers beyond 2^53 (Node 20's JSON.parse has no source access).

const numberToken = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/*
 * Quotes every integer literal outside strings whose value is not a safe integer, so the
 * following JSON.parse turns it into its exact decimal text, as H3 does for BIGINT columns.
 * Fractions and exponents are left to JSON.parse (they are floats by nature).
 */
const quoteBigIntegers = (text: string): string => {
  let out = '';
  let last = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i += 1;
      while (i < text.length && text.charCodeAt(i) !== 34) i += text.charCodeAt(i) === 92 ? 2 : 1;
      i += 1;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      numberToken.lastIndex = i;
      const m = numberToken.exec(text);
      if (m === null) return text; // not JSON; JSON.parse will say so
      const token = m[0];
      if (/^-?[0-9]+$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += `${text.slice(last, i)}"${token}"`;
        last = i + token.length;
      }
      i += token.length;
      continue;
    }
    i += 1;
  }
  return last === 0 ? text : out + text.slice(last);
};

/**
 * `JSON.parse(text)`, except that integers beyond ±(2^53−1) become their exact decimal text.
 * Throws `SyntaxError` for text that is not JSON.
 */
export const parseExactJson = (text: string): unknown =>
  JSON.parse(/[0-9]{16}/.test(text) ? quoteBigIntegers(text) : text) as unknown;
