// Node's process warnings as log lines: Node prints them to stderr as text, and every line the operator writes is JSON (SPEC O5).
import type { Logger } from 'pino';

/**
 * Replaces the listeners `process` has for `'warning'` (Node's own stderr printer, installed at
 * startup unless `--no-warnings`) with one that logs each warning at `warn`, under `err`, so a
 * deprecation or a listener-leak warning is still seen, as JSON. Not `process.noDeprecation`:
 * that drops deprecations before any listener hears them, and other warnings would still print.
 * Returns a function that puts the previous listeners back.
 */
export const routeProcessWarnings = (logger: Logger): (() => void) => {
  const previous = process.listeners('warning');
  for (const listener of previous) process.off('warning', listener);
  const onWarning = (warning: Error): void => {
    // pino's serializer names errors by constructor (`Error`): the warning's kind is its name.
    logger.warn({ warning: warning.name, err: warning }, 'Process warning');
  };
  process.on('warning', onWarning);
  return () => {
    process.off('warning', onWarning);
    for (const listener of previous) process.on('warning', listener);
  };
};
