// Object identity rules (N3): valid names, namespace choice, merged metadata, server fields stripped.

/** Kinds whose names must be DNS-1123 labels (≤ 63) rather than subdomains (≤ 253). */
const labelNamedKinds: ReadonlySet<string> = new Set(['/Namespace', '/Service']);

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `value` is not a DNS-1123 label, or undefined when it is one. */
export const dnsLabelProblem = (value: string): string | undefined => {
  if (value === '') return 'must not be empty';
  if (value.length > 63) return `must be at most 63 characters (has ${value.length})`;
  if (!dnsLabel.test(value)) {
    return 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit';
  }
  return undefined;
};

/** Why `value` is not a DNS-1123 subdomain, or undefined when it is one. */
const dnsSubdomainProblem = (value: string): string | undefined => {
  if (value === '') return 'must not be empty';
  if (value.length > 253) return `must be at most 253 characters (has ${value.length})`;
  if (!dnsSubdomain.test(value)) {
    return 'must be a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", each part starting and ending with a letter or digit';
  }
  return undefined;
};

/** The name rule for a kind (`Group/Kind` key). */
export const nameProblem = (groupKindKey: string, name: string): string | undefined =>
  labelNamedKinds.has(groupKindKey) ? dnsLabelProblem(name) : dnsSubdomainProblem(name);

/** Fields the API server populates; a manifest never sends them (N3 backstop; F1 refuses them). */
export const serverPopulatedMetadata = [
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'managedFields',
  'generateName',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

/** A value in a field Kubernetes requires to be a string (T3): numbers and booleans become text. */
export const toText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return value.toString();
  }
  return '';
};

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A map whose values must be strings (labels, annotations, ConfigMap data…), made so. */
export const stringMap = (value: unknown): Record<string, string> | undefined => {
  if (!isRecord(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) out[key] = toText(item);
  return out;
};
