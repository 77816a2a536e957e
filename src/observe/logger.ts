// The operator's one root logger: structured JSON (pino) with secrets redacted wherever they appear (SPEC O5).
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino censors in every logged object: passwords, Secret data, credentials in headers. */
export const redactedPaths = [
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

/** Builds the root logger; `destination` is for tests (default: stdout). */
export const createRootLogger = (level: string, destination?: DestinationStream): Logger =>
  pino(
    {
      level,
      base: { component: 'lynq-operator' },
      redact: { paths: [...redactedPaths], censor: '[redacted]' },
    },
    destination,
  );
