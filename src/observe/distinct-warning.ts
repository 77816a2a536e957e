// A retried failure is a warning once per distinct error, then debug lines until the error changes or clears (SPEC O5).
import type { Logger } from 'pino';
import { messageOf } from '../errors.js';

export interface DistinctWarning {
  /** Logs `err` at warn when its message differs from the last one warned about, else at debug. */
  failed(fields: Readonly<Record<string, unknown>> & { readonly err: unknown }, msg: string): void;
  /** The failure cleared: the next one is a warning again. */
  cleared(): void;
}

export const distinctWarning = (logger: Logger): DistinctWarning => {
  let last: string | undefined;
  return {
    failed: (fields, msg) => {
      const text = messageOf(fields.err);
      if (text === last) {
        logger.debug(fields, msg);
        return;
      }
      last = text;
      logger.warn(fields, msg);
    },
    cleared: () => {
      last = undefined;
    },
  };
};
