// The operator's one root logger: structured JSON (pino) with ISO-8601 times, one `component` key per line, stacks only at debug, secrets redacted wherever they appear (SPEC O5).
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino censors in every logged object: passwords, Secret data, credentials in headers. */
const redactedPaths = [
  'password',
  '*.password',
  '*.*.password',
  'data',
  '*.data',
  'stringData',
  '*.stringData',
  'headers.authorization',
  '*.headers.authorization',
] as const;

/** The error fields a person needs; the stack only when debugging. */
interface LoggedError {
  type: string;
  message: string;
  code?: unknown;
  reason?: unknown;
  cause?: string;
  stack?: string;
}

const errorSerializer =
  (withStack: boolean) =>
  (err: unknown): unknown => {
    if (!(err instanceof Error)) return err;
    const coded = err as Error & { code?: unknown; reason?: unknown };
    const logged: LoggedError = { type: err.name, message: err.message };
    if (coded.code !== undefined) logged.code = coded.code;
    if (coded.reason !== undefined && typeof coded.reason !== 'object')
      logged.reason = coded.reason;
    // A cause's message only when it adds something (no "x: x" doubling).
    if (err.cause instanceof Error && !err.message.includes(err.cause.message)) {
      logged.cause = err.cause.message;
    }
    if (withStack && err.stack !== undefined) logged.stack = err.stack;
    return logged;
  };

/**
 * Builds the root logger; `destination` is for tests (default: stdout). The root line names the
 * service (`service`), children name their part with `component` (`reflector`, `child-watcher`),
 * so no line carries two `component` keys.
 */
export const createRootLogger = (level: string, destination?: DestinationStream): Logger => {
  const withStack = level === 'debug' || level === 'trace';
  return pino(
    {
      level,
      base: { service: 'lynq-operator' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: errorSerializer(withStack) },
      redact: { paths: [...redactedPaths], censor: '[redacted]' },
    },
    destination,
  );
};
