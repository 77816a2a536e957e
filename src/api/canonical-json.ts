// Canonical JSON: object keys sorted at every level, so equal data always has the same text (SPEC H3).

const sortKeys = (value: unknown): unknown => {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortKeys);
  const record = value as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    if (record[key] !== undefined) out[key] = sortKeys(record[key]);
  }
  return out;
};

/** JSON text of `value` with every object's keys sorted; `undefined` members are dropped. */
export const canonicalJson = (value: unknown): string => JSON.stringify(sortKeys(value)) ?? 'null';
