// What a Namespace holds besides one node's objects, so a node deletes only a namespace it fills alone (SPEC N6).
import { labelKeys } from '../api/metadata-keys.js';
import { apiError } from './api-client.js';
import type { KubeTransport } from './http-transport.js';
import { isRecord } from './kube-object.js';
import { groupVersionPath } from './resource-paths.js';

/** What a look into a namespace found: objects of others, and kinds it was not allowed to list. */
export interface NamespaceContents {
  /** `Kind name` of each object the node did not apply (at most a few, for the message). */
  readonly foreign: readonly string[];
  /** Plural resources (`roles.rbac.authorization.k8s.io`) the operator may not list there. */
  readonly unchecked: readonly string[];
}

/** A namespaced, listable resource as discovery names it. */
interface ListableResource {
  readonly groupVersion: string;
  readonly plural: string;
  readonly kind: string;
}

/**
 * Objects every namespace gets from Kubernetes itself: they say nothing about who uses the
 * namespace, and they go with it.
 */
const systemObjects: ReadonlySet<string> = new Set([
  'ServiceAccount/default',
  'ConfigMap/kube-root-ca.crt',
]);

/** Events are the cluster's record of what happened there, not contents anyone owns. */
const recordKinds: ReadonlySet<string> = new Set(['Event']);

/** How many foreign objects the message names; one is enough to keep the namespace. */
const foreignLimit = 5;

const metadataListAccept =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

const stringsOf = (value: unknown): string[] =>
  Array.isArray(value)
    ? (value as unknown[]).filter((v): v is string => typeof v === 'string')
    : [];

/** The namespaced resources of one group version that can be listed (subresources skipped). Pure. */
export const listableResources = (groupVersion: string, list: unknown): ListableResource[] => {
  const resources = isRecord(list) ? list['resources'] : undefined;
  if (!Array.isArray(resources)) return [];
  return (resources as unknown[]).flatMap((entry): ListableResource[] => {
    if (!isRecord(entry)) return [];
    const { name, kind, namespaced } = entry;
    if (typeof name !== 'string' || typeof kind !== 'string' || name.includes('/')) return [];
    if (namespaced !== true || !stringsOf(entry['verbs']).includes('list')) return [];
    return [{ groupVersion, plural: name, kind }];
  });
};

/**
 * Whether an object in the namespace is one the node may take with it: an object the node
 * applied (its tracking labels), a dependent of something (an owner reference: a Pod of a
 * ReplicaSet, an EndpointSlice of a Service; its owner is looked at in its own right), an
 * event, or what Kubernetes puts in every namespace. Pure.
 */
export const belongsWith = (
  kind: string,
  metadata: Record<string, unknown>,
  node: { readonly namespace: string; readonly name: string },
): boolean => {
  const labels = isRecord(metadata['labels']) ? metadata['labels'] : {};
  if (labels[labelKeys.node] === node.name && labels[labelKeys.nodeNamespace] === node.namespace) {
    return true;
  }
  const owners = metadata['ownerReferences'];
  if (Array.isArray(owners) && owners.length > 0) return true;
  if (recordKinds.has(kind)) return true;
  return systemObjects.has(`${kind}/${String(metadata['name'])}`);
};

const groupVersions = async (
  transport: KubeTransport,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<string[]> => {
  const res = await transport.request({
    method: 'GET',
    path: '/apis',
    timeoutMs,
    ...(signal === undefined ? {} : { signal }),
  });
  if (res.status !== 200) throw apiError('GET /apis', res);
  const groups = isRecord(res.body) ? res.body['groups'] : undefined;
  const preferred = Array.isArray(groups)
    ? (groups as unknown[]).flatMap((g) => {
        const version = isRecord(g) ? g['preferredVersion'] : undefined;
        const gv = isRecord(version) ? version['groupVersion'] : undefined;
        return typeof gv === 'string' ? [gv] : [];
      })
    : [];
  return ['v1', ...preferred];
};

/**
 * Looks at every namespaced kind the server serves and lists it in `namespace` (metadata only,
 * page by page), stopping at the first few objects that do not belong with the node. A kind the
 * operator may not list is named in `unchecked`: the caller cannot tell it is empty. Throws a
 * `LynqError` when discovery or a list fails for another reason; rethrows an abort of `signal`.
 */
export const namespaceContents = async (
  transport: KubeTransport,
  namespace: string,
  node: { readonly namespace: string; readonly name: string },
  options: { readonly timeoutMs?: number; readonly signal?: AbortSignal | undefined } = {},
): Promise<NamespaceContents> => {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const { signal } = options;
  const withSignal = signal === undefined ? {} : { signal };
  const foreign: string[] = [];
  const unchecked: string[] = [];
  for (const gv of await groupVersions(transport, timeoutMs, signal)) {
    const path = groupVersionPath(gv);
    const discovery = await transport.request({ method: 'GET', path, timeoutMs, ...withSignal });
    // A group version that went away between the two reads has nothing in the namespace.
    if (discovery.status === 404) continue;
    if (discovery.status !== 200) throw apiError(`GET ${path}`, discovery);
    for (const resource of listableResources(gv, discovery.body)) {
      const collection = `${path}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`;
      let next: string | undefined = '';
      while (next !== undefined && foreign.length < foreignLimit) {
        const query = `?limit=500${next === '' ? '' : `&continue=${encodeURIComponent(next)}`}`;
        const res = await transport.request({
          method: 'GET',
          path: `${collection}${query}`,
          accept: metadataListAccept,
          timeoutMs,
          ...withSignal,
        });
        if (res.status === 403) {
          const group = gv.includes('/') ? `.${gv.slice(0, gv.indexOf('/'))}` : '';
          unchecked.push(`${resource.plural}${group}`);
          break;
        }
        // A kind whose serving stopped meanwhile (a CRD removed) has nothing left there.
        if (res.status === 404 || res.status === 405) break;
        if (res.status !== 200) throw apiError(`GET ${collection}`, res);
        const body = isRecord(res.body) ? res.body : {};
        const items = Array.isArray(body['items']) ? (body['items'] as unknown[]) : [];
        for (const item of items) {
          const metadata = isRecord(item) && isRecord(item['metadata']) ? item['metadata'] : {};
          if (!belongsWith(resource.kind, metadata, node)) {
            foreign.push(`${resource.kind} ${String(metadata['name'])}`);
            if (foreign.length >= foreignLimit) break;
          }
        }
        const listMeta = isRecord(body['metadata']) ? body['metadata'] : {};
        const token = listMeta['continue'];
        next = typeof token === 'string' && token !== '' ? token : undefined;
      }
      if (foreign.length >= foreignLimit) return { foreign, unchecked };
    }
  }
  return { foreign, unchecked };
};
