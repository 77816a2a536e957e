// LynqHub: a datasource plus the mapping from its columns to template variables (SPEC §1).
import { customResourceDefinition } from './crd-builder.js';
import type { LynqObject } from './crd-builder.js';
import { conditionsSchema, machineStateProperties, secretKeyRefSchema } from './status.schema.js';
import { bool, dateTime, describe, int, intOrString, map, obj, str } from './schema-builder.js';
import type { Infer, InferInput } from './schema-builder.js';

export const datasourceTypes = ['mysql', 'postgresql'] as const;
export type DatasourceType = (typeof datasourceTypes)[number];
export const tlsModes = ['disabled', 'required', 'verify-ca', 'verify-full'] as const;
export type TlsMode = (typeof tlsModes)[number];
/** libpq's `sslmode` names, minus the ones that silently fall back to plain text (`allow`, `prefer`). */
export const postgresSslModes = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type PostgresSslMode = (typeof postgresSslModes)[number];

/** MySQL identifiers are at most 64 characters; longer ones can never name a column. */
const column = (description: string) => str({ description, minLength: 1, maxLength: 64 });

export const mysqlSourceSchema = obj(
  {
    host: str({ description: 'Server host name or address.', minLength: 1, maxLength: 253 }),
    port: int({
      description: 'Server port.',
      format: 'int32',
      minimum: 1,
      maximum: 65535,
      default: 3306,
    }),
    username: str({ description: 'User to connect as.', minLength: 1 }),
    database: str({
      description: 'Database (schema) holding the table.',
      minLength: 1,
      maxLength: 64,
    }),
    table: str({ description: 'Table or view to read rows from.', minLength: 1, maxLength: 64 }),
    passwordRef: describe(
      secretKeyRefSchema,
      "Secret key holding the password, in the hub's namespace; absent = no password.",
    ),
    tls: obj(
      {
        mode: str({
          description: 'disabled, required (encrypted), verify-ca, or verify-full (CA and host).',
          enum: tlsModes,
          default: 'verify-full',
        }),
        caSecretRef: describe(secretKeyRefSchema, 'Secret key holding the PEM CA bundle.'),
      },
      { description: 'Transport security; absent = no TLS.' },
    ),
  },
  {
    description: 'MySQL or MariaDB connection.',
    required: ['host', 'username', 'database', 'table'],
  },
);

export type MysqlSource = Infer<typeof mysqlSourceSchema>;

/** PostgreSQL identifiers are at most 63 bytes; a longer quoted name would be truncated by the server. */
const pgName = (description: string) => str({ description, minLength: 1, maxLength: 63 });

export const postgresqlSourceSchema = obj(
  {
    host: str({ description: 'Server host name or address.', minLength: 1, maxLength: 253 }),
    port: int({
      description: 'Server port.',
      format: 'int32',
      minimum: 1,
      maximum: 65535,
      default: 5432,
    }),
    username: str({ description: 'Role to connect as.', minLength: 1, maxLength: 63 }),
    database: pgName('Database to connect to.'),
    schema: str({
      description: 'Schema holding the table (quoted: case matters).',
      minLength: 1,
      maxLength: 63,
      default: 'public',
    }),
    table: pgName('Table or view to read rows from (quoted: case matters).'),
    passwordRef: describe(
      secretKeyRefSchema,
      "Secret key holding the password, in the hub's namespace; absent = no password.",
    ),
    sslMode: str({
      description:
        'disable (no TLS), require (encrypted, server not verified), verify-ca, or verify-full (CA and host name).',
      enum: postgresSslModes,
      default: 'disable',
    }),
    caSecretRef: describe(
      secretKeyRefSchema,
      'Secret key holding the PEM CA bundle that verifies the server (verify-ca, verify-full); absent = the system CAs.',
    ),
  },
  {
    description: 'PostgreSQL connection.',
    required: ['host', 'username', 'database', 'table'],
  },
);

export type PostgresqlSource = Infer<typeof postgresqlSourceSchema>;

export const changeDetectionSchema = obj(
  {
    enabled: bool({
      description:
        'Sync early when the database reports a change: PostgreSQL LISTEN/NOTIFY, MySQL a trigger-maintained change counter (both installed with the SQL of `lynq hub sql --trigger`). The poll stays as the backstop.',
      default: false,
    }),
    probeIntervalMillis: int({
      description:
        'MySQL only: how often the change counter is read (one primary-key lookup per probe).',
      format: 'int32',
      minimum: 100,
      maximum: 60000,
      default: 250,
    }),
  },
  {
    description:
      'Change detection: row changes reach the cluster within seconds at any syncInterval. Off by default.',
    default: {},
  },
);

export type ChangeDetection = Infer<typeof changeDetectionSchema>;

export const lynqHubSpecSchema = obj(
  {
    source: obj(
      {
        type: str({ description: 'Datasource kind.', enum: datasourceTypes }),
        syncInterval: str({
          description: 'Poll period, e.g. 30s, 5m, 1h; at least 1s.',
          pattern: '^[0-9]+(s|m|h)$',
          maxLength: 16,
          default: '30s',
          validations: [
            {
              rule: "!self.matches('^0+(s|m|h)$')",
              message: 'syncInterval must be at least 1s',
            },
          ],
        }),
        mysql: mysqlSourceSchema,
        postgresql: postgresqlSourceSchema,
        changeDetection: changeDetectionSchema,
      },
      {
        description: 'Where the rows come from and how often they are read.',
        required: ['type'],
        validations: [
          {
            rule: "self.type != 'mysql' || has(self.mysql)",
            message: 'source.mysql is required when source.type is mysql',
            reason: 'FieldValueRequired',
            fieldPath: '.mysql',
          },
          {
            rule: "self.type != 'postgresql' || has(self.postgresql)",
            message: 'source.postgresql is required when source.type is postgresql',
            reason: 'FieldValueRequired',
            fieldPath: '.postgresql',
          },
        ],
      },
    ),
    valueMappings: obj(
      {
        uid: column('Column holding the row id.'),
        activate: column('Column holding the activation flag.'),
        hostOrUrl: column('Deprecated: column exposed as the hostOrUrl and host variables.'),
      },
      { description: 'Columns behind the built-in variables.', required: ['uid', 'activate'] },
    ),
    extraValueMappings: map(column('Column name.'), {
      description: 'Template variable name to column name.',
    }),
    deletionGuard: obj(
      {
        maxDeletions: intOrString({
          description: 'Most nodes one sync may delete: a count or a percent of the hub nodes.',
          default: '50%',
          validations: [
            {
              rule: "type(self) == int ? self >= 0 : self.matches('^(100|[1-9]?[0-9])%$')",
              message:
                'maxDeletions must be a non-negative integer or a percentage from 0% to 100%',
            },
          ],
        }),
      },
      { description: 'Holds back a sync that would delete many nodes at once.', default: {} },
    ),
    suspend: bool({ description: 'No syncs and no node changes.', default: false }),
  },
  {
    description: 'Desired state of the hub: its datasource and the column-to-variable mapping.',
    required: ['source', 'valueMappings'],
  },
);

export type LynqHubSpec = Infer<typeof lynqHubSpecSchema>;
export type LynqHubSpecInput = InferInput<typeof lynqHubSpecSchema>;

const count = (description: string) => int({ description, format: 'int32', minimum: 0 });

export const lynqHubStatusSchema = obj(
  {
    ...machineStateProperties,
    observedGeneration: int({
      description: 'The metadata.generation the status was computed from.',
      format: 'int64',
      minimum: 0,
    }),
    referencingTemplates: count('Valid forms bound to this hub.'),
    desired: count('Nodes that should exist: valid forms times active rows.'),
    ready: count('Ready nodes.'),
    failed: count('Failed nodes.'),
    lastSyncTime: dateTime({ description: 'Last sync that changed something.' }),
    rows: obj(
      {
        active: count('Active rows.'),
        total: count('Rows read.'),
        rejected: count('Rows rejected: empty or duplicate uid.'),
      },
      { description: 'Row counts of the last successful read.' },
    ),
    conditions: conditionsSchema,
  },
  { description: 'Observed state of the hub, written by the operator.' },
);

export type LynqHubStatus = Infer<typeof lynqHubStatusSchema>;

export type LynqHub = LynqObject<'LynqHub', LynqHubSpec, LynqHubStatus>;

export const lynqHubCrd = customResourceDefinition({
  kind: 'LynqHub',
  plural: 'lynqhubs',
  description: 'LynqHub: a datasource whose active rows become LynqNodes.',
  spec: lynqHubSpecSchema,
  status: lynqHubStatusSchema,
  printerColumns: [
    { name: 'Templates', type: 'integer', jsonPath: '.status.referencingTemplates' },
    { name: 'Desired', type: 'integer', jsonPath: '.status.desired' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.ready' },
    { name: 'Failed', type: 'integer', jsonPath: '.status.failed' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  ],
});
