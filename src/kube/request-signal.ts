// One abort signal per request, derived from the caller's, so callers may share a signal across any number of concurrent requests.

/**
 * A signal of this request alone that aborts when `parent` does, with the parent's reason.
 * The request's abort listeners go on it, not on `parent`: `AbortSignal.any` links the two
 * without adding a listener to `parent`, so an actor whose signal covers 16 concurrent writes
 * (or 100 queued ones) never meets Node's 10-listener leak warning (a warning is a line
 * on stderr that is not JSON, SPEC O5), and nothing of a finished request stays on `parent`.
 */
export const requestSignal = (parent: AbortSignal | undefined): AbortSignal | undefined =>
  parent === undefined ? undefined : AbortSignal.any([parent]);
