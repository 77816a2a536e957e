// SPEC H2: which activate values make a row active.

/** The only texts that mean "active" (exact, case as listed; no trimming). */
export const activeTexts: ReadonlySet<string> = new Set([
  '1',
  'true',
  'TRUE',
  'True',
  'yes',
  'YES',
  'Yes',
]);

/**
 * True iff `value` (an activate value already typed by `toVariableValue`) is one of the texts
 * `1, true, TRUE, True, yes, YES, Yes`, the number 1, or the boolean true (a `BIT(1)` 1 arrives
 * as true). Anything else, NULL (`""`) included, is inactive. Never throws.
 */
export const isActive = (value: unknown): boolean =>
  value === true || value === 1 || (typeof value === 'string' && activeTexts.has(value));
