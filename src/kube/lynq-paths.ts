// REST paths of Lynq's kinds and the core objects the operator reads.
import { groupVersion } from '../api/crd-builder.js';

export type LynqPlural = 'lynqhubs' | 'lynqforms' | 'lynqnodes';

/** The collection in one namespace, or across all namespaces when `namespace` is undefined. */
export const lynqCollectionPath = (plural: LynqPlural, namespace?: string): string =>
  namespace === undefined
    ? `/apis/${groupVersion}/${plural}`
    : `/apis/${groupVersion}/namespaces/${encodeURIComponent(namespace)}/${plural}`;

export const lynqObjectPath = (plural: LynqPlural, namespace: string, name: string): string =>
  `${lynqCollectionPath(plural, namespace)}/${encodeURIComponent(name)}`;

/**
 * Joined, not concatenated: the status writer keys a map entry per node by it, and a
 * concatenation is kept as a rope of its parts.
 */
export const lynqStatusPath = (plural: LynqPlural, namespace: string, name: string): string =>
  [lynqObjectPath(plural, namespace, name), 'status'].join('/');

export const secretPath = (namespace: string, name: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;

export const eventsPath = (namespace: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
