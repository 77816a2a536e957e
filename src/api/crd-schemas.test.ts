// Tests of the three CRDs that need no cluster: structure, SPEC §1 fields, defaults and rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CustomResourceDefinition } from './crd-builder.js';
import { lynqFormCrd, resourceEntrySchema, resourceListNames } from './lynq-form.schema.js';
import { lynqHubCrd } from './lynq-hub.schema.js';
import { lynqNodeCrd } from './lynq-node.schema.js';
import type { JsonSchema } from './schema-builder.js';

const crds = [lynqHubCrd, lynqFormCrd, lynqNodeCrd] as const;

const rootOf = (crd: CustomResourceDefinition): JsonSchema => {
  const version = crd.spec.versions[0];
  assert.ok(version);
  return version.schema.openAPIV3Schema;
};

/** Every schema node with its path, depth first. */
function* walk(schema: JsonSchema, path = ''): Generator<[string, JsonSchema]> {
  yield [path, schema];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    yield* walk(child, `${path}.${name}`);
  }
  if (schema.items !== undefined) yield* walk(schema.items, `${path}[]`);
  if (schema.additionalProperties !== undefined) {
    yield* walk(schema.additionalProperties, `${path}{}`);
  }
}

const at = (schema: JsonSchema, path: string): JsonSchema => {
  for (const [p, node] of walk(schema)) if (p === path) return node;
  assert.fail(`no schema at ${path}`);
};

const propertyNames = (schema: JsonSchema) => Object.keys(schema.properties ?? {}).sort();

/** A small check of a default against its schema: the API server rejects CRDs whose defaults fail. */
function defaultErrors(schema: JsonSchema, value: unknown, path: string): string[] {
  if (schema['x-kubernetes-int-or-string'] === true) {
    return typeof value === 'number' || typeof value === 'string' ? [] : [`${path}: int-or-string`];
  }
  const type = schema.type;
  if (type === undefined) return [`${path}: no type`];
  switch (type) {
    case 'string':
      if (typeof value !== 'string') return [`${path}: not a string`];
      if (schema.enum !== undefined && !schema.enum.includes(value))
        return [`${path}: not in enum`];
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
        return [`${path}: does not match pattern`];
      }
      return [];
    case 'integer':
      if (!Number.isInteger(value)) return [`${path}: not an integer`];
      if (schema.minimum !== undefined && (value as number) < schema.minimum)
        return [`${path}: min`];
      if (schema.maximum !== undefined && (value as number) > schema.maximum)
        return [`${path}: max`];
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
    case 'array':
      return Array.isArray(value) ? [] : [`${path}: not an array`];
    case 'object': {
      if (typeof value !== 'object' || value === null) return [`${path}: not an object`];
      const record = value as Record<string, unknown>;
      const missing = (schema.required ?? []).filter((name) => !(name in record));
      return missing.map((name) => `${path}.${name}: required`);
    }
  }
}

describe('CRDs', () => {
  it('§1 are namespaced operator.lynq.sh/v1 kinds with a status subresource', () => {
    for (const crd of crds) {
      assert.equal(crd.spec.group, 'operator.lynq.sh');
      assert.equal(crd.spec.scope, 'Namespaced');
      assert.equal(crd.spec.versions.length, 1);
      const version = crd.spec.versions[0];
      assert.equal(version?.name, 'v1');
      assert.deepEqual(version.subresources, { status: {} });
      assert.equal(crd.metadata.name, `${crd.spec.names.plural}.operator.lynq.sh`);
    }
  });

  it('§1 are structural: a type everywhere, no $ref, no combinators, no closed objects', () => {
    for (const crd of crds) {
      for (const [path, node] of walk(rootOf(crd))) {
        const keys = Object.keys(node);
        for (const forbidden of ['$ref', 'anyOf', 'oneOf', 'allOf', 'not', 'nullable']) {
          assert.ok(!keys.includes(forbidden), `${crd.spec.names.kind}${path}: ${forbidden}`);
        }
        if (node['x-kubernetes-int-or-string'] === true) {
          assert.equal(node.type, undefined, `${path}: int-or-string has no type`);
          continue;
        }
        assert.ok(node.type, `${crd.spec.names.kind}${path}: no type`);
        if (node.properties !== undefined || node.additionalProperties !== undefined) {
          assert.equal(node.type, 'object', path);
        }
        assert.ok(
          node.properties === undefined || node.additionalProperties === undefined,
          `${path}: additionalProperties beside properties`,
        );
        assert.equal(node.type === 'array', node.items !== undefined, `${path}: items`);
        for (const name of node.required ?? []) {
          assert.ok(name in (node.properties ?? {}), `${path}: required ${name} is not a property`);
        }
      }
    }
  });

  it('§1 preserve unknown fields only in a resource spec and a node’s variables', () => {
    const preserved = crds.flatMap((crd) =>
      [...walk(rootOf(crd))]
        .filter(([, node]) => node['x-kubernetes-preserve-unknown-fields'] === true)
        .map(([path, node]) => {
          assert.equal(node.type, 'object', path);
          assert.equal(node.properties, undefined, path);
          return `${crd.spec.names.kind}${path}`;
        }),
    );
    assert.deepEqual(
      preserved.sort(),
      [
        ...resourceListNames.map((list) => `LynqForm.spec.${list}[].spec`),
        'LynqNode.spec.variables',
      ].sort(),
    );
  });

  it('§1 every form resource list is a map list keyed by a required, non-empty id', () => {
    const spec = at(rootOf(lynqFormCrd), '.spec');
    const lists = propertyNames(spec).filter((name) => spec.properties?.[name]?.type === 'array');
    assert.deepEqual(lists, [...resourceListNames].sort());
    assert.equal(lists.length, 16);
    for (const name of lists) {
      const list = at(spec, `.${name}`);
      assert.equal(list['x-kubernetes-list-type'], 'map', name);
      assert.deepEqual(list['x-kubernetes-list-map-keys'], ['id'], name);
      assert.deepEqual(list.items, resourceEntrySchema.json, name);
    }
    const entry = resourceEntrySchema.json;
    assert.ok(entry.required?.includes('id'));
    assert.equal(at(entry, '.id').minLength, 1);
  });

  it('§1 every map list is keyed by required fields of its items', () => {
    for (const crd of crds) {
      for (const [path, node] of walk(rootOf(crd))) {
        if (node['x-kubernetes-list-type'] !== 'map') continue;
        for (const key of node['x-kubernetes-list-map-keys'] ?? []) {
          assert.ok(node.items?.required?.includes(key), `${path}: key ${key} not required`);
        }
      }
    }
  });

  it('§1 a form resource entry has the SPEC fields, enums and defaults', () => {
    const entry = resourceEntrySchema.json;
    assert.deepEqual(propertyNames(entry), [
      'allowClusterScopedTakeover',
      'annotationsTemplate',
      'conflictPolicy',
      'creationPolicy',
      'deleteAdopted',
      'deletionPolicy',
      'dependIds',
      'id',
      'ignoreFields',
      'labelsTemplate',
      'nameTemplate',
      'patchStrategy',
      'recreateOnImmutableChange',
      'skipOnDependencyFailure',
      'spec',
      'targetNamespace',
      'timeoutSeconds',
      'waitForReady',
    ]);
    const expected: Record<string, [unknown, readonly string[] | undefined]> = {
      skipOnDependencyFailure: [true, undefined],
      creationPolicy: ['WhenNeeded', ['WhenNeeded', 'Once']],
      deletionPolicy: ['Delete', ['Delete', 'Retain']],
      conflictPolicy: ['Stuck', ['Stuck', 'Force']],
      patchStrategy: ['apply', ['apply', 'merge', 'replace']],
      waitForReady: [true, undefined],
      timeoutSeconds: [300, undefined],
      recreateOnImmutableChange: [false, undefined],
      deleteAdopted: [false, undefined],
      allowClusterScopedTakeover: [false, undefined],
    };
    for (const [name, [value, members]] of Object.entries(expected)) {
      assert.equal(at(entry, `.${name}`).default, value, name);
      assert.deepEqual(at(entry, `.${name}`).enum, members, name);
    }
    assert.equal(at(entry, '.timeoutSeconds').minimum, 1);
    assert.equal(at(entry, '.timeoutSeconds').maximum, 3600);
    assert.equal(at(entry, '.labelsTemplate{}').type, 'string');
    assert.equal(at(entry, '.annotationsTemplate{}').type, 'string');
    assert.equal(at(entry, '.dependIds[]').type, 'string');
    assert.equal(at(entry, '.ignoreFields[]').type, 'string');
  });

  it('§1 hubId is immutable by a CEL transition rule', () => {
    const hubId = at(rootOf(lynqFormCrd), '.spec.hubId');
    assert.deepEqual(hubId['x-kubernetes-validations'], [
      { rule: 'self == oldSelf', message: 'hubId is immutable' },
    ]);
    assert.ok(at(rootOf(lynqFormCrd), '.spec').required?.includes('hubId'));
  });

  it('§1 syncInterval has a pattern, a 30s default and a CEL rule rejecting zero', () => {
    const interval = at(rootOf(lynqHubCrd), '.spec.source.syncInterval');
    assert.equal(interval.type, 'string');
    assert.equal(interval.pattern, '^[0-9]+(s|m|h)$');
    assert.equal(interval.default, '30s');
    const rules = interval['x-kubernetes-validations'] ?? [];
    assert.equal(rules.length, 1);
    // The rule is !self.matches(zero); RE2 and JavaScript agree on this expression.
    const zero = /^0+(s|m|h)$/u;
    assert.equal(rules[0]?.rule, `!self.matches('${zero.source}')`);
    for (const bad of ['0s', '0m', '0h', '00s']) assert.ok(zero.test(bad), bad);
    for (const good of ['1s', '10s', '5m', '1h', '30s']) {
      assert.ok(!zero.test(good) && new RegExp(interval.pattern, 'u').test(good), good);
    }
  });

  it('H1b LynqHub spec: postgresql connection (schema, sslMode, CA Secret) and change detection, off by default', () => {
    const spec = at(rootOf(lynqHubCrd), '.spec');
    assert.equal(at(spec, '.source.postgresql.port').default, 5432);
    assert.equal(at(spec, '.source.postgresql.schema').default, 'public');
    assert.deepEqual(propertyNames(at(spec, '.source.postgresql')), [
      'caSecretRef',
      'database',
      'host',
      'passwordRef',
      'port',
      'schema',
      'sslMode',
      'table',
      'username',
    ]);
    assert.deepEqual(at(spec, '.source.postgresql').required, [
      'host',
      'username',
      'database',
      'table',
    ]);
    assert.deepEqual(at(spec, '.source.postgresql.sslMode').enum, [
      'disable',
      'require',
      'verify-ca',
      'verify-full',
    ]);
    assert.equal(at(spec, '.source.postgresql.table').maxLength, 63);
    assert.equal(at(spec, '.source.changeDetection.enabled').default, false);
    assert.equal(at(spec, '.source.changeDetection.probeIntervalMillis').minimum, 100);
    const rules = (at(spec, '.source')['x-kubernetes-validations'] ?? []).map((r) => r.rule);
    assert.ok(rules.includes("self.type != 'postgresql' || has(self.postgresql)"));
  });

  it('§1 LynqHub spec: source type, mysql connection, mappings, deletion guard, suspend', () => {
    const spec = at(rootOf(lynqHubCrd), '.spec');
    assert.deepEqual(spec.required, ['source', 'valueMappings']);
    assert.deepEqual(at(spec, '.source.type').enum, ['mysql', 'postgresql']);
    assert.ok(at(spec, '.source').required?.includes('type'));
    assert.equal(at(spec, '.source.mysql.port').default, 3306);
    assert.deepEqual(propertyNames(at(spec, '.source.mysql')), [
      'database',
      'host',
      'passwordRef',
      'port',
      'table',
      'tls',
      'username',
    ]);
    assert.deepEqual(at(spec, '.source.mysql.passwordRef').required, ['name', 'key']);
    assert.deepEqual(at(spec, '.source.mysql.tls.mode').enum, [
      'disabled',
      'required',
      'verify-ca',
      'verify-full',
    ]);
    assert.deepEqual(at(spec, '.source.mysql.tls.caSecretRef').required, ['name', 'key']);
    assert.deepEqual(at(spec, '.valueMappings').required, ['uid', 'activate']);
    assert.ok(at(spec, '.valueMappings.hostOrUrl'));
    assert.equal(at(spec, '.extraValueMappings{}').type, 'string');
    const maxDeletions = at(spec, '.deletionGuard.maxDeletions');
    assert.equal(maxDeletions['x-kubernetes-int-or-string'], true);
    assert.equal(maxDeletions.default, '50%');
    assert.equal(at(spec, '.suspend').type, 'boolean');
  });

  it('§1 LynqNode spec: uid, templateRef and variables required, revision optional', () => {
    const spec = at(rootOf(lynqNodeCrd), '.spec');
    assert.deepEqual(spec.required, ['uid', 'templateRef', 'variables']);
    assert.deepEqual(propertyNames(spec), ['revision', 'templateRef', 'uid', 'variables']);
  });

  it('F4 F5 LynqForm rollout: maxSkew (default 0), progressDeadlineSeconds (default 600), partition (count or percent)', () => {
    const rollout = at(rootOf(lynqFormCrd), '.spec.rollout');
    assert.deepEqual(propertyNames(rollout), ['maxSkew', 'partition', 'progressDeadlineSeconds']);
    assert.equal(at(rollout, '.maxSkew').default, 0);
    assert.equal(at(rollout, '.progressDeadlineSeconds').default, 600);
    const partition = at(rollout, '.partition');
    assert.equal(partition['x-kubernetes-int-or-string'], true);
    assert.match(JSON.stringify(partition['x-kubernetes-validations']), /100\|\[1-9\]\?\[0-9\]/);
  });

  it('§1 status fields are the ones SPEC lists, plus the machine state of O2', () => {
    const machine = ['phase', 'phaseReason', 'phaseSince', 'transitions'];
    const expected: [CustomResourceDefinition, string[]][] = [
      [
        lynqHubCrd,
        [
          'conditions',
          'desired',
          'failed',
          'lastSyncTime',
          'observedGeneration',
          'ready',
          'referencingTemplates',
          'rows',
        ],
      ],
      [
        lynqFormCrd,
        [
          'conditions',
          'currentRevision',
          'failedNodes',
          'observedGeneration',
          'readyNodes',
          'rollout',
          'totalNodes',
        ],
      ],
      [
        lynqNodeCrd,
        [
          'appliedResources',
          'conditions',
          'desiredResources',
          'failedResources',
          'observedGeneration',
          'readyResources',
          'readySummary',
          'resources',
          'skippedResourceIds',
          'skippedResources',
        ],
      ],
    ];
    for (const [crd, fields] of expected) {
      const status = at(rootOf(crd), '.status');
      assert.deepEqual(propertyNames(status), [...fields, ...machine].sort(), crd.spec.names.kind);
      assert.equal(at(status, '.phaseSince').format, 'date-time');
      assert.deepEqual(at(status, '.transitions[]').required, ['from', 'to', 'event', 'at']);
      const conditions = at(status, '.conditions');
      assert.equal(conditions['x-kubernetes-list-type'], 'map');
      assert.deepEqual(conditions['x-kubernetes-list-map-keys'], ['type']);
      assert.deepEqual(at(status, '.conditions[].status').enum, ['True', 'False', 'Unknown']);
      assert.deepEqual(propertyNames(at(status, '.conditions[]')), [
        'lastTransitionTime',
        'message',
        'observedGeneration',
        'reason',
        'status',
        'type',
      ]);
    }
    const hub = at(rootOf(lynqHubCrd), '.status');
    assert.deepEqual(propertyNames(at(hub, '.rows')), ['active', 'rejected', 'total']);
    const rollout = at(rootOf(lynqFormCrd), '.status.rollout');
    // failedNodes and failedNodeNames: F5, what `kubectl describe` shows of a failure.
    assert.deepEqual(propertyNames(rollout), [
      'completionTime',
      'failedNodeNames',
      'failedNodes',
      'message',
      'phase',
      'readyUpdatedNodes',
      'startTime',
      'targetRevision',
      'updatedNodes',
      'updatingNodes',
    ]);
    assert.deepEqual(at(rollout, '.phase').enum, [
      'Idle',
      'InProgress',
      'Paused',
      'Failed',
      'Complete',
    ]);
    const node = at(rootOf(lynqNodeCrd), '.status');
    assert.deepEqual(propertyNames(at(node, '.appliedResources[]')), [
      'apiVersion',
      'creationPolicy',
      'deleteAdopted',
      'deletionPolicy',
      'id',
      'kind',
      'level',
      'name',
      'namespace',
    ]);
    assert.deepEqual(propertyNames(at(node, '.resources[]')), [
      'completed',
      'completedHash',
      'id',
      'lastDesiredChange',
      'message',
      'reason',
      'state',
    ]);
  });

  it('§1 printer columns: hub, form and node columns, Phase from status.phase, Age last', () => {
    const columns = (crd: CustomResourceDefinition) =>
      crd.spec.versions[0]?.additionalPrinterColumns.map((c) => `${c.name}=${c.jsonPath}`);
    assert.deepEqual(columns(lynqHubCrd), [
      'Templates=.status.referencingTemplates',
      'Desired=.status.desired',
      'Ready=.status.ready',
      'Failed=.status.failed',
      'Phase=.status.phase',
      'Age=.metadata.creationTimestamp',
    ]);
    assert.deepEqual(columns(lynqNodeCrd), [
      'UID=.spec.uid',
      'Form=.spec.templateRef',
      'Phase=.status.phase',
      'Ready=.status.readySummary',
      'Skipped=.status.skippedResources',
      'Age=.metadata.creationTimestamp',
    ]);
    assert.ok(columns(lynqFormCrd)?.includes('Phase=.status.phase'));
    // Every column path must exist in the schema, or kubectl shows an empty column forever.
    for (const crd of crds) {
      for (const column of crd.spec.versions[0]?.additionalPrinterColumns ?? []) {
        if (column.jsonPath.startsWith('.metadata.')) continue;
        assert.ok(at(rootOf(crd), column.jsonPath), column.jsonPath);
      }
    }
  });

  it('§1 every default is valid against its own schema', () => {
    for (const crd of crds) {
      for (const [path, node] of walk(rootOf(crd))) {
        if (node.default === undefined) continue;
        assert.deepEqual(defaultErrors(node, node.default, path), [], crd.spec.names.kind);
      }
    }
  });
});
