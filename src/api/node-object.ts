// The LynqNode object a hub writes for one desired node: name, labels, owner reference, finalizer and spec (SPEC §1).
import { groupVersion } from './crd-builder.js';
import { finalizers, labelKeys } from './metadata-keys.js';
import { nodeLabels } from './node-name.js';

export interface NodeObjectInput {
  readonly hub: { readonly namespace: string; readonly name: string; readonly uid: string };
  readonly name: string;
  readonly uid: string;
  readonly form: string;
  readonly variables: Readonly<Record<string, unknown>>;
  /** Its hub or form is protected: the node is created marked, so no deletion finds it unmarked (SPEC H8). */
  readonly marked?: boolean;
}

/**
 * The body to create: the hub writes `uid`, `templateRef` and `variables`, never `revision`
 * (DESIGN 5). The owner reference makes the hub the controller and blocks its removal until the
 * node is gone; the finalizer lets the node clean up its resources first (SPEC N9).
 */
export const nodeObject = (input: NodeObjectInput) => ({
  apiVersion: groupVersion,
  kind: 'LynqNode' as const,
  metadata: {
    name: input.name,
    namespace: input.hub.namespace,
    labels: {
      ...nodeLabels(input.hub.name, input.form, input.uid),
      ...(input.marked === true ? { [labelKeys.deletionProtection]: 'true' } : {}),
    } as Record<string, string>,
    ownerReferences: [
      {
        apiVersion: groupVersion,
        kind: 'LynqHub',
        name: input.hub.name,
        uid: input.hub.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
    finalizers: [finalizers.nodeCleanup],
  },
  spec: { uid: input.uid, templateRef: input.form, variables: input.variables },
});

export type NodeObject = ReturnType<typeof nodeObject>;
