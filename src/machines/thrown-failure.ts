// What a machine reads from anything an actor threw: its code, its message, its kind and its details.

/**
 * The fields of a thrown value as a machine records them. Machines import no error classes
 * (they import only xstate and src/api), so a `LynqError` of src/errors.ts is read structurally.
 */
export interface ThrownFailure {
  /** The thrown value's `code`, or `undefined` when it has no non-empty string code. */
  readonly code: string | undefined;
  /** Its `message`; the JSON of an object without one; the text of anything else. */
  readonly message: string;
  /** Its `kind` (`Transient`, `InvalidSpec`, `Conflict` for a LynqError), if any. */
  readonly kind: unknown;
  /** Its `details`, if it carries an object there. */
  readonly details: Readonly<Record<string, unknown>> | undefined;
}

/** Reads `error` (anything: an Error, a LynqError, a string, undefined). Never throws. */
export const thrownFailure = (error: unknown): ThrownFailure => {
  if (typeof error !== 'object' || error === null) {
    return { code: undefined, message: String(error), kind: undefined, details: undefined };
  }
  const { code, message, kind, details } = error as {
    code?: unknown;
    message?: unknown;
    kind?: unknown;
    details?: unknown;
  };
  return {
    code: typeof code === 'string' && code !== '' ? code : undefined,
    message: typeof message === 'string' ? message : JSON.stringify(error),
    kind,
    details:
      typeof details === 'object' && details !== null
        ? (details as Readonly<Record<string, unknown>>)
        : undefined,
  };
};
