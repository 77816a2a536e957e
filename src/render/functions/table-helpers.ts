// Helpers for writing the function tables: argument-order adapters between filter and global forms.

/** Any library function as the tables hold it before hardening. */
export type LibraryFunction = (...args: never[]) => unknown;

/**
 * Builds the filter from a Sprig global whose piped value is its LAST argument (Go pipes append):
 * `s | f(a, b)` is `f(a, b, s)`. For a fixed-arity global the piped value always lands in the
 * last parameter, so a missing argument is reported as missing rather than shifting `s` into its
 * place; surplus arguments are refused.
 */
export function pipedLast(global: (...args: never[]) => unknown): (...args: unknown[]) => unknown {
  const call = global as unknown as (...args: unknown[]) => unknown;
  const arity = global.length;
  if (arity === 0) return (piped: unknown, ...rest: unknown[]) => call(...rest, piped);
  return (piped: unknown, ...rest: unknown[]) => {
    if (rest.length > arity - 1) {
      throw new Error(`expected at most ${arity - 1} argument(s) after the piped value`);
    }
    const padded = [...rest, ...Array<undefined>(arity - 1 - rest.length).fill(undefined)];
    return call(...padded, piped);
  };
}

/** Splits a character string into code points, so non-BMP characters count once. */
export function codePoints(text: string): string[] {
  return Array.from(text);
}
