// The quick start's files in examples/, pointed at one database server, database and pair of namespaces, as `npm run dev` and the quick-start test apply them.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from './cache-paths.js';

const run = promisify(execFile);

/** The names the example files use, replaced when the examples run elsewhere. */
export const exampleNames = {
  database: 'lynq_demo',
  namespace: 'lynq-demo',
  sharedNamespace: 'lynq-demo-shared',
  hub: 'tenants',
  forms: ['web', 'directory'],
} as const;

/** The example files, in the order the README applies them. */
export const exampleFiles = {
  sql: 'tenants.sql',
  manifests: ['hub.yaml', 'web-form.yaml', 'directory-form.yaml'],
} as const;

export interface ExampleTarget {
  /** The server, as `mysql://user@host:port`. */
  readonly mysqlUrl: string;
  /** Replaces `lynq_demo`. */
  readonly database: string;
  /** Replaces `lynq-demo-shared`, the directory form's target namespace. */
  readonly sharedNamespace: string;
}

const examplePath = (file: string): string => join(repoRoot(), 'examples', file);

/** Runs examples/tenants.sql (database, table, rows, read-only user) on the target server. */
export const loadExampleSchema = async (target: ExampleTarget): Promise<void> => {
  const sql = (await readFile(examplePath(exampleFiles.sql), 'utf8')).replaceAll(
    exampleNames.database,
    target.database,
  );
  const connection = await createConnection({
    uri: target.mysqlUrl,
    multipleStatements: true,
    connectTimeout: 5_000,
  });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
};

type Manifest = Record<string, unknown> & { kind?: string; spec?: Record<string, unknown> };

/** Points a hub at the target's server and database; nothing else changes. */
const retargetHub = (hub: Manifest, target: ExampleTarget): Manifest => {
  const url = new URL(target.mysqlUrl);
  const source = hub.spec?.['source'] as { mysql: Record<string, unknown> };
  source.mysql['host'] = url.hostname;
  source.mysql['port'] = Number(url.port || '3306');
  source.mysql['database'] = target.database;
  return hub;
};

/** The objects of every example manifest, adapted to the target (a deep copy each call). */
export const exampleManifests = async (target: ExampleTarget): Promise<Manifest[]> => {
  const manifests: Manifest[] = [];
  for (const file of exampleFiles.manifests) {
    const text = (await readFile(examplePath(file), 'utf8')).replaceAll(
      `targetNamespace: ${exampleNames.sharedNamespace}`,
      `targetNamespace: ${target.sharedNamespace}`,
    );
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`examples/${file}: ${doc.errors[0]?.message}`);
      const manifest = doc.toJS() as Manifest | null;
      if (manifest === null) continue;
      manifests.push(manifest.kind === 'LynqHub' ? retargetHub(manifest, target) : manifest);
    }
  }
  return manifests;
};

/** `kubectl apply -n <namespace> -f` the adapted examples, as the README does; returns kubectl's output. */
export const applyExamples = async (
  kubectl: string,
  kubeconfig: string,
  namespace: string,
  target: ExampleTarget,
): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'lynq-examples-'));
  try {
    const file = join(dir, 'examples.yaml');
    const manifests = await exampleManifests(target);
    await writeFile(file, manifests.map((m) => stringify(m)).join('---\n'));
    const { stdout } = await run(
      kubectl,
      ['--kubeconfig', kubeconfig, 'apply', '-n', namespace, '-f', file],
      { timeout: 60_000 },
    );
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
