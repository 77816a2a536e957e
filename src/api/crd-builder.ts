// Wraps a kind's spec and status schemas into a CustomResourceDefinition of group operator.lynq.sh.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { AnySchema, JsonSchema } from './schema-builder.js';

export const apiGroup = 'operator.lynq.sh';
export const apiVersion = 'v1';
/** `apiVersion` as written in a Lynq object. */
export const groupVersion = `${apiGroup}/${apiVersion}`;

/** A Lynq object as read from the API server; `status` is absent until the operator writes it. */
export interface LynqObject<Kind extends string, Spec, Status> {
  readonly apiVersion: typeof groupVersion;
  readonly kind: Kind;
  readonly metadata: V1ObjectMeta;
  readonly spec: Spec;
  readonly status?: Status;
}

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

export interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly description: string;
  readonly spec: AnySchema;
  readonly status: AnySchema;
  readonly printerColumns: readonly PrinterColumn[];
}

/** The CRD as a plain object, ready to serialise or to send to the API server. */
export interface CustomResourceDefinition {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly names: {
      readonly kind: string;
      readonly listKind: string;
      readonly plural: string;
      readonly singular: string;
      readonly categories: readonly string[];
    };
    readonly scope: 'Namespaced';
    readonly versions: readonly {
      readonly name: string;
      readonly served: true;
      readonly storage: true;
      readonly subresources: { readonly status: Readonly<Record<string, never>> };
      readonly additionalPrinterColumns: readonly PrinterColumn[];
      readonly schema: { readonly openAPIV3Schema: JsonSchema };
    }[];
  };
}

/** Namespaced, one served and stored version, status subresource, category `lynq`. */
export function customResourceDefinition(definition: KindDefinition): CustomResourceDefinition {
  const openAPIV3Schema: JsonSchema = {
    description: definition.description,
    type: 'object',
    properties: {
      apiVersion: { description: 'The versioned schema of this object.', type: 'string' },
      kind: { description: 'The REST resource this object represents.', type: 'string' },
      // The API server forbids anything but the type here (it fills in ObjectMeta itself, and
      // `kubectl explain` shows ObjectMeta's own description).
      metadata: { type: 'object' },
      spec: definition.spec.json,
      status: definition.status.json,
    },
    required: ['spec'],
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${definition.plural}.${apiGroup}` },
    spec: {
      group: apiGroup,
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.kind.toLowerCase(),
        categories: ['lynq'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: apiVersion,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            ...definition.printerColumns,
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}
