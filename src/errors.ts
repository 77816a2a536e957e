// The one catalogue of Lynq's errors: every failure is transient, an invalid spec, or a conflict.

/** The kinds of failure, each with its own retry behaviour. */
export const errorKinds = {
  /** Worth retrying with backoff: network, timeouts, 5xx, 429, an unreachable database. */
  transient: 'Transient',
  /** The user's input is wrong; retrying without a change cannot help. */
  invalidSpec: 'InvalidSpec',
  /** Someone else holds or changed the object; retried with backoff, reported as a conflict. */
  conflict: 'Conflict',
} as const;

export type ErrorKind = (typeof errorKinds)[keyof typeof errorKinds];

export interface LynqErrorOptions {
  readonly kind: ErrorKind;
  /** A stable, machine-readable code (also the condition reason where one is written). */
  readonly code: string;
  readonly cause?: unknown;
  /** Where the error sits: object, field path, resource id… */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Every error Lynq raises on purpose. `code` is stable; `message` is for people. */
export class LynqError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, options: LynqErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LynqError';
    this.kind = options.kind;
    this.code = options.code;
    this.details = options.details ?? {};
  }
}

const errorFactory =
  (kind: ErrorKind) =>
  (
    code: string,
    message: string,
    cause?: unknown,
    details?: Readonly<Record<string, unknown>>,
  ): LynqError =>
    new LynqError(message, { kind, code, cause, ...(details === undefined ? {} : { details }) });

export const transientError = errorFactory(errorKinds.transient);
export const invalidSpecError = errorFactory(errorKinds.invalidSpec);
export const conflictError = errorFactory(errorKinds.conflict);

/** The message of anything thrown, for conditions and logs. */
export const messageOf = (err: unknown): string =>
  err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);

/** The `code` of anything thrown (a LynqError, a Node system error, an API error), if it has one. */
export const codeOf = (err: unknown): unknown =>
  typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
