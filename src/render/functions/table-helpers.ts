// Helpers for writing the function tables: argument-order adapters between filter and global forms.

/** Any library function as the tables hold it before hardening. */
export type LibraryFunction = (...args: never[]) => unknown;

/**
 * Builds the filter from a Sprig global whose piped value is its LAST argument (Go pipes append):
 * `s | f(a, b)` is `f(a, b, s)`.
 */
export function pipedLast(
  global: (...args: unknown[]) => unknown,
): (...args: unknown[]) => unknown {
  return (piped: unknown, ...rest: unknown[]) => global(...rest, piped);
}

/** Splits a character string into code points, so non-BMP characters count once. */
export function codePoints(text: string): string[] {
  return Array.from(text);
}
