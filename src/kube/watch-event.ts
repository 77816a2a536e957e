// Watch events as the API server streams them: newline-delimited JSON, split and narrowed.
import { StringDecoder } from 'node:string_decoder';
import { transientError } from '../errors.js';
import { asKubeObject, isRecord, type KubeObject } from './kube-object.js';

export const watchCodes = {
  /** A line of the stream is not a watch event. */
  malformedEvent: 'KubeWatchMalformedEvent',
  /** A single line grew beyond the limit (a broken or hostile stream). */
  lineTooLong: 'KubeWatchLineTooLong',
} as const;

/** The `Status` object of an `ERROR` event or of a failed response. */
export interface KubeStatus {
  readonly code?: number;
  readonly reason?: string;
  readonly message?: string;
}

export type WatchEvent =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: KubeObject }
  /** Only `metadata.resourceVersion` of a bookmark's object is meaningful. */
  | { readonly type: 'BOOKMARK'; readonly resourceVersion: string }
  | { readonly type: 'ERROR'; readonly status: KubeStatus };

/** The Status fields of a response or event body; empty when it is not a Status. */
export const asKubeStatus = (value: unknown): KubeStatus => {
  if (!isRecord(value)) return {};
  const { code, reason, message } = value;
  return {
    ...(typeof code === 'number' ? { code } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
};

/** Parses one line of a watch stream. Throws a transient `KubeWatchMalformedEvent` for anything else. */
export const parseWatchEvent = (line: string): WatchEvent => {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw transientError(watchCodes.malformedEvent, 'a watch event is not JSON', err, {
      line: line.slice(0, 200),
    });
  }
  const malformed = (): never => {
    throw transientError(watchCodes.malformedEvent, 'not a watch event', undefined, {
      line: line.slice(0, 200),
    });
  };
  if (!isRecord(value)) return malformed();
  const { type, object } = value;
  switch (type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED': {
      const obj = asKubeObject(object);
      return obj === undefined ? malformed() : { type, object: obj };
    }
    case 'BOOKMARK': {
      // A bookmark's object has no name: only its resourceVersion.
      const metadata = isRecord(object) ? object['metadata'] : undefined;
      const rv = isRecord(metadata) ? metadata['resourceVersion'] : undefined;
      return typeof rv === 'string' && rv !== '' ? { type, resourceVersion: rv } : malformed();
    }
    case 'ERROR':
      return { type, status: asKubeStatus(object) };
    default:
      return malformed();
  }
};

export interface LineSplitter {
  /** The complete lines the chunk finishes (empty lines dropped). */
  push(chunk: Buffer | string): string[];
  /** The last line when the stream ended without a newline. */
  end(): string[];
}

/**
 * Splits a byte stream into lines, decoding UTF-8 across chunk boundaries. Throws a transient
 * `KubeWatchLineTooLong` when a line exceeds `maxLineBytes` (a stream that never sends a newline).
 */
export const createLineSplitter = (maxLineBytes = 64 * 1024 * 1024): LineSplitter => {
  const decoder = new StringDecoder('utf8');
  // Pieces of an unfinished line: a big object arrives in many chunks, and joining only once
  // its newline arrives keeps the work linear.
  let parts: string[] = [];
  let partsLength = 0;
  const take = (text: string): string[] => {
    if (!text.includes('\n')) {
      parts.push(text);
      partsLength += text.length;
      if (partsLength > maxLineBytes) {
        throw transientError(
          watchCodes.lineTooLong,
          'a watch event exceeds the line limit',
          undefined,
          { maxLineBytes },
        );
      }
      return [];
    }
    parts.push(text);
    const lines = parts.join('').split('\n');
    const rest = lines.pop() ?? '';
    parts = rest === '' ? [] : [rest];
    partsLength = rest.length;
    return lines.map((l) => l.trim()).filter((l) => l !== '');
  };
  return {
    push: (chunk) => take(typeof chunk === 'string' ? chunk : decoder.write(chunk)),
    end: () => {
      const rest = (parts.join('') + decoder.end()).trim();
      parts = [];
      partsLength = 0;
      return rest === '' ? [] : [rest];
    },
  };
};
