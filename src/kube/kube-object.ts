// The shape every Kubernetes object read from the API has, its store key, and narrowing from JSON.

export interface KubeObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
  readonly finalizers?: readonly string[];
  readonly managedFields?: readonly ManagedFieldsEntry[];
  readonly [key: string]: unknown;
}

export interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly subresource?: string;
  readonly [key: string]: unknown;
}

/** Any object of the API: metadata is known, the rest is data to narrow where it is read. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: KubeObjectMeta;
  readonly [key: string]: unknown;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The object, when `value` has at least `metadata.name` as a string (and `namespace` and
 * `resourceVersion`, when present, as strings); otherwise undefined. Never throws.
 */
export const asKubeObject = (value: unknown): KubeObject | undefined => {
  if (!isRecord(value)) return undefined;
  const metadata = value['metadata'];
  if (!isRecord(metadata) || typeof metadata['name'] !== 'string') return undefined;
  for (const field of ['namespace', 'resourceVersion'] as const) {
    const v = metadata[field];
    if (v !== undefined && typeof v !== 'string') return undefined;
  }
  return value as KubeObject;
};

/** The store key: `namespace/name`, or `name` for cluster-scoped objects (as client-go keys them). */
export const objectKey = (obj: KubeObject): string => {
  const { namespace, name } = obj.metadata;
  // Joined, not concatenated: reflector stores keep the key as long as the object, and a
  // concatenation is kept as a rope of its parts.
  return namespace === undefined || namespace === '' ? name : [namespace, name].join('/');
};
