// The one content hash of Lynq: sha256 of a text, as lowercase hex.
import { createHash } from 'node:crypto';

/** sha256 of `text` (UTF-8), 64 lowercase hex digits. Equal texts, equal hashes. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
