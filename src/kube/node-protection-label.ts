// Writing a LynqNode's deletion-protection label (its "mark"), and deleting a node the operator means to delete although it carries one (SPEC H8).
import type { LynqNode } from '../api/lynq-node.schema.js';
import { fieldManagers, labelKeys } from '../api/metadata-keys.js';
import { hasProtectionLabel } from '../api/deletion-protection.js';
import { codeOf } from '../errors.js';
import { apiErrorCodes, patchTypes, type ApiClient } from './api-client.js';
import { pointerSegment, removeMetadataEntryPatch } from './guarded-metadata-patch.js';
import { lynqObjectPath } from './lynq-paths.js';

const markPointer = `/metadata/labels/${pointerSegment(labelKeys.deletionProtection)}`;

const pathOf = (node: LynqNode): string =>
  lynqObjectPath('lynqnodes', node.metadata.namespace ?? '', node.metadata.name ?? '');

/**
 * Adds or removes the mark with a JSON patch that tests the node's uid (and, to remove, that the
 * mark is still there), so it never touches a re-created node. Resolves when the node is gone or
 * already as asked (the test failed on a node someone changed meanwhile: the next pass looks
 * again); throws other API errors.
 */
export const setNodeProtectionLabel = async (
  client: ApiClient,
  node: LynqNode,
  marked: boolean,
  signal: AbortSignal,
): Promise<void> => {
  const ops = marked
    ? [
        { op: 'test', path: '/metadata/uid', value: node.metadata.uid },
        { op: 'add', path: markPointer, value: 'true' },
      ]
    : removeMetadataEntryPatch(node.metadata.uid, 'labels', labelKeys.deletionProtection, 'true');
  try {
    await client.patch(pathOf(node), patchTypes.json, ops, {
      fieldManager: fieldManagers.protection,
      signal,
    });
  } catch (err) {
    const code = codeOf(err);
    if (code !== apiErrorCodes.notFound && code !== apiErrorCodes.invalid) throw err;
  }
};

/** Unmark-and-delete attempts before a denial is reported (the marker may mark it again meanwhile). */
const maxAttempts = 3;

/**
 * A deletion the operator decided on (row gone or inactive, form gone): the mark is removed
 * right before the DELETE, since the admission policy would deny it. `cached` is the node as the
 * reflector holds it; after a denial the live node is read and unmarked again. Resolves `false`
 * when the node was already gone. Throws the last denial after a few attempts.
 */
export const deleteNodeWithoutProtectionLabel = async (
  client: ApiClient,
  namespace: string,
  name: string,
  cached: LynqNode | undefined,
  signal: AbortSignal,
): Promise<boolean> => {
  const path = lynqObjectPath('lynqnodes', namespace, name);
  let node = cached;
  for (let attempt = 1; ; attempt += 1) {
    if (node !== undefined && hasProtectionLabel(node))
      await setNodeProtectionLabel(client, node, false, signal);
    try {
      return await client.remove(path, { propagationPolicy: 'Background', signal });
    } catch (err) {
      if (codeOf(err) !== apiErrorCodes.forbidden || attempt >= maxAttempts) throw err;
    }
    const live = (await client.get(path, signal)) as LynqNode | undefined;
    if (live === undefined) return false;
    node = live;
  }
};
