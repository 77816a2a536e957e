// The records of an API server audit log (JSON lines) as read while the server writes it.

/**
 * Complete lines only: the server may be writing the next record as we read. Every request that
 * has been answered is whole already (`--audit-log-mode=blocking`).
 */
export const auditRecords = <T>(text: string): T[] =>
  text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
