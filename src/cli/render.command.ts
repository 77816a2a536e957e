// `lynq render`: renders a form for given variables, or for rows read from the hub's database, and prints the manifests in apply order (T8).

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { nodeName } from '../api/node-name.js';
import { openDatasource } from '../datasource/hub-datasource-cache.js';
import { createApiClient } from '../kube/api-client.js';
import { createHttpTransport } from '../kube/http-transport.js';
import { secretPath } from '../kube/lynq-paths.js';
import { compileForm } from '../render/compile.js';
import { buildDependencyGraph } from '../render/dependency-graph.js';
import { createTemplateEnvironment } from '../render/environment.js';
import { loadTemplateFunctions } from '../render/function-table.js';
import { scopeTable } from '../render/kind-scope.js';
import { renderNode } from '../render/render.js';
import { formatIssue, manifestObject, type RenderedManifest } from '../render/render-types.js';
import { readFormFile, type FormFile } from './form-file.js';
import { readHubFile, type HubFile } from './hub-file.js';
import {
  describeFailure,
  lazySecretReader,
  readRowsFromDb,
  type FromDbRows,
  type SecretReader,
} from './render-from-db.js';

const usage = `usage: lynq render --form <form.yaml> [--vars k=v,k=v] [--vars-file rows.json]
                   [--namespace ns] [--namespaced-kind Group/Kind]... [--cluster-kind Group/Kind]...
                   [--show-order]
       lynq render --form <form.yaml> --hub <hub.yaml> --from-db [--limit N]
                   [--password-env VAR] [--kubeconfig file] [--namespace ns] ...
Renders a LynqForm for each row of variables and prints the manifests as YAML in apply order.
Never writes to a cluster or a database. Exits 1 when any resource fails to render or the
database cannot be read, 2 on bad usage.
  --vars             variables of one row: uid=acme,plan=pro (values are strings)
  --vars-file        a JSON or YAML file: one object of variables, or a list of them
  --hub              a LynqHub YAML file; with --from-db, its table supplies the rows
  --from-db          render the hub's active rows, read once with a SELECT (as the operator
                     reads them: typed per H3, hubId and templateRef added)
  --limit            render at most N active rows (--from-db)
  --password-env     read the database password from this environment variable instead of
                     the Secret named by the hub's passwordRef
  --kubeconfig       where to read the hub's Secrets from (default: KUBECONFIG, ~/.kube/config);
                     only read when the hub has a passwordRef or a TLS caSecretRef
  --namespace        the node's namespace, and the hub's Secrets' (default: the hub's, else
                     the form's, else "default")
  --namespaced-kind  a kind beyond the built-in table that is namespaced (core group: /Kind)
  --cluster-kind     a kind beyond the built-in table that is cluster-scoped
  --show-order       print the dependency levels instead of manifests
`;

type Variables = Readonly<Record<string, unknown>>;

/** Where the rows come from. */
export type RowSource =
  | {
      readonly type: 'inline';
      /** `--vars` merged, applied over every row of the vars file. */
      readonly vars: Readonly<Record<string, string>>;
      readonly varsFile: string | undefined;
    }
  | {
      readonly type: 'database';
      readonly hubFile: string;
      readonly limit: number | undefined;
      readonly passwordEnv: string | undefined;
      readonly kubeconfig: string | undefined;
    };

/** The options of one `lynq render` call, checked. */
export interface RenderOptions {
  readonly formFile: string;
  readonly source: RowSource;
  readonly namespace: string | undefined;
  /** `Group/Kind` → namespaced (true) or cluster-scoped (false). */
  readonly scopes: Readonly<Record<string, boolean>>;
  readonly showOrder: boolean;
}

export type ParsedRenderArgs =
  | { readonly type: 'help' }
  | { readonly type: 'run'; readonly options: RenderOptions }
  | { readonly type: 'usage-error'; readonly message: string };

const out = (text: string): void => {
  process.stdout.write(text);
};
const err = (text: string): void => {
  process.stderr.write(text);
};

/** `uid=acme,plan=pro` → `{ uid: 'acme', plan: 'pro' }`. */
const parseVars = (text: string): Record<string, string> => {
  const vars: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--vars: expected name=value, got "${pair}"`);
    vars[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return vars;
};

const kindKey = (text: string): string => {
  if (!text.includes('/'))
    throw new Error(`expected Group/Kind (core group: /Kind), got "${text}"`);
  return text;
};

const positiveInteger = (text: string, flag: string): number => {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text)))
    throw new Error(`${flag}: expected a positive integer, got "${text}"`);
  return Number(text);
};

/** Flags that only mean something with `--from-db`, and those that conflict with it. */
const databaseOnlyFlags = ['hub', 'limit', 'password-env', 'kubeconfig'] as const;
const inlineOnlyFlags = ['vars', 'vars-file'] as const;

/**
 * Parses and checks `lynq render`'s arguments. Pure: reads no file and no environment.
 * Never throws; a bad combination is a `usage-error` with a message for people.
 */
export const parseRenderArgs = (args: readonly string[]): ParsedRenderArgs => {
  try {
    const { values: opts } = parseArgs({
      args: [...args],
      options: {
        form: { type: 'string' },
        vars: { type: 'string', multiple: true },
        'vars-file': { type: 'string' },
        hub: { type: 'string' },
        'from-db': { type: 'boolean' },
        limit: { type: 'string' },
        'password-env': { type: 'string' },
        kubeconfig: { type: 'string' },
        namespace: { type: 'string' },
        'namespaced-kind': { type: 'string', multiple: true },
        'cluster-kind': { type: 'string', multiple: true },
        'show-order': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (opts.help === true) return { type: 'help' };
    if (opts.form === undefined) throw new Error('--form is required');
    const scopes: Record<string, boolean> = {};
    for (const k of opts['namespaced-kind'] ?? []) scopes[kindKey(k)] = true;
    for (const k of opts['cluster-kind'] ?? []) scopes[kindKey(k)] = false;
    const fromDb = opts['from-db'] === true;
    let source: RowSource;
    if (fromDb) {
      const conflicting = inlineOnlyFlags.filter((f) => opts[f] !== undefined);
      if (conflicting.length > 0)
        throw new Error(
          `--from-db takes its rows from the database, not --${conflicting.join(', --')}`,
        );
      if (opts.hub === undefined) throw new Error('--from-db needs --hub <hub.yaml>');
      source = {
        type: 'database',
        hubFile: opts.hub,
        limit: opts.limit === undefined ? undefined : positiveInteger(opts.limit, '--limit'),
        passwordEnv: opts['password-env'],
        kubeconfig: opts.kubeconfig,
      };
      if (opts['password-env'] === '') throw new Error('--password-env: expected a variable name');
    } else {
      const stray = databaseOnlyFlags.filter((f) => opts[f] !== undefined);
      if (stray.length > 0) throw new Error(`--${stray.join(', --')} only go with --from-db`);
      source = {
        type: 'inline',
        vars: (opts.vars ?? []).reduce<Record<string, string>>(
          (acc, text) => ({ ...acc, ...parseVars(text) }),
          {},
        ),
        varsFile: opts['vars-file'],
      };
    }
    return {
      type: 'run',
      options: {
        formFile: opts.form,
        source,
        namespace: opts.namespace,
        scopes,
        showOrder: opts['show-order'] === true,
      },
    };
  } catch (e: unknown) {
    return { type: 'usage-error', message: e instanceof Error ? e.message : String(e) };
  }
};

const readRows = async (path: string): Promise<Variables[]> => {
  const data: unknown = parseYaml(await readFile(path, 'utf8'));
  const rows = Array.isArray(data) ? data : [data];
  return rows.map((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new Error(`${path}: row ${i} is not an object of variables`);
    }
    return row as Variables;
  });
};

/** One row to render: its variables, the prefix of its error lines, and its header comment. */
interface RenderRow {
  readonly variables: Variables;
  readonly label: string;
  readonly header: string;
}

const inlineRenderRows = (form: FormFile, rows: readonly Variables[]): RenderRow[] =>
  rows.map((row, index) => {
    const uid = typeof row['uid'] === 'string' ? row['uid'] : undefined;
    const many = rows.length > 1;
    return {
      // The hub adds these to every row (H3); a hand-written row may override them.
      variables: {
        ...(form.hubId === undefined ? {} : { hubId: form.hubId }),
        templateRef: form.name,
        ...row,
      },
      label: many ? `row ${index}${uid === undefined ? '' : ` (uid ${uid})`}: ` : '',
      header: many ? `# row ${index}${uid === undefined ? '' : ` uid=${uid}`}\n` : '',
    };
  });

const databaseRenderRows = (hub: HubFile, form: FormFile, read: FromDbRows): RenderRow[] =>
  read.rows.map((row) => {
    const node = nodeName(row.uid, form.name);
    return {
      // Exactly what the hub writes into the node's spec.variables (plan-node-changes).
      variables: { ...row.variables, hubId: hub.name, templateRef: form.name },
      label: `uid ${row.uid} (node ${node}): `,
      header: `# node ${node} uid=${row.uid}\n`,
    };
  });

const reportRead = (hub: HubFile, namespace: string, read: FromDbRows): void => {
  const parts = [
    `${read.total} rows`,
    `${read.active} active`,
    `${read.inactive} inactive (skipped)`,
    ...(read.emptyUid > 0 ? [`${read.emptyUid} with an empty uid (skipped)`] : []),
    ...(read.duplicateUids.length > 0
      ? [`duplicated uids, none rendered: ${read.duplicateUids.join(', ')}`]
      : []),
    ...read.unreadable.map((r) => `uid ${r.uid} unreadable: ${r.reason}`),
    ...(read.overLimit > 0 ? [`${read.overLimit} active rows over --limit`] : []),
  ];
  err(`# LynqHub ${namespace}/${hub.name}: ${parts.join('; ')}; rendering ${read.rows.length}\n`);
};

const kubeSecretReader = (kubeconfig: string | undefined): SecretReader =>
  lazySecretReader({
    loadKubeConfig: () => {
      const kc = new KubeConfig();
      if (kubeconfig === undefined) kc.loadFromDefault();
      else kc.loadFromFile(kubeconfig);
      return kc;
    },
    createClient: (kc) => {
      const transport = createHttpTransport(kc);
      const client = createApiClient(transport);
      return {
        get: (path) => client.get(path),
        close: () => {
          transport.close();
        },
      };
    },
    secretPath,
  });

/** The command's outcome before rendering: rows to render, or an exit code. */
type Prepared =
  | {
      readonly ok: true;
      readonly form: FormFile;
      readonly rows: readonly RenderRow[];
      readonly namespace: string;
    }
  | { readonly ok: false; readonly code: number };

const prepare = async (options: RenderOptions): Promise<Prepared> => {
  let form: FormFile;
  let hub: HubFile | undefined;
  try {
    form = await readFormFile(options.formFile);
    if (options.source.type === 'database') {
      hub = await readHubFile(options.source.hubFile);
      if (form.hubId !== undefined && form.hubId !== hub.name)
        throw new Error(
          `form ${form.name} has hubId ${form.hubId}: hub ${hub.name} would never render it`,
        );
    }
  } catch (e: unknown) {
    err(`lynq render: ${e instanceof Error ? e.message : String(e)}\n`);
    return { ok: false, code: 2 };
  }
  const source = options.source;
  switch (source.type) {
    case 'inline': {
      let rows: Variables[];
      try {
        rows =
          source.varsFile === undefined
            ? [source.vars]
            : (await readRows(source.varsFile)).map((r) => ({ ...r, ...source.vars }));
      } catch (e: unknown) {
        err(`lynq render: ${e instanceof Error ? e.message : String(e)}\n`);
        return { ok: false, code: 2 };
      }
      const namespace = options.namespace ?? form.namespace ?? 'default';
      return { ok: true, form, rows: inlineRenderRows(form, rows), namespace };
    }
    case 'database': {
      if (hub === undefined) return { ok: false, code: 2 };
      // Nodes live in their hub's namespace; so do the hub's Secrets.
      const namespace = options.namespace ?? hub.namespace ?? form.namespace ?? 'default';
      const secrets = kubeSecretReader(source.kubeconfig);
      try {
        const read = await readRowsFromDb(
          hub,
          { namespace, passwordEnv: source.passwordEnv, limit: source.limit },
          {
            env: process.env,
            readSecretKey: (ns, name, key) => secrets.readSecretKey(ns, name, key),
            openDatasource: (config) => openDatasource(config),
          },
        );
        reportRead(hub, namespace, read);
        return { ok: true, form, rows: databaseRenderRows(hub, form, read), namespace };
      } catch (e: unknown) {
        err(`lynq render: ${describeFailure(e)}\n`);
        return { ok: false, code: 1 };
      } finally {
        secrets.close();
      }
    }
  }
};

/** The `lynq render` command. Resolves to the exit code; writes only to stdout and stderr. */
export const renderCommand = async (args: readonly string[]): Promise<number> => {
  // `lynq render … | head` closes stdout early; that is the reader's choice, not a failure.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  const parsed = parseRenderArgs(args);
  switch (parsed.type) {
    case 'help':
      out(usage);
      return 0;
    case 'usage-error':
      err(`${parsed.message}\n${usage}`);
      return 2;
    case 'run':
      break;
  }
  const options = parsed.options;

  if (options.showOrder) {
    let form: FormFile;
    try {
      form = await readFormFile(options.formFile);
    } catch (e: unknown) {
      err(`lynq render: ${e instanceof Error ? e.message : String(e)}\n`);
      return 2;
    }
    const graph = buildDependencyGraph(form.resources);
    if (!graph.ok) {
      for (const issue of graph.errors)
        err(`resource "${issue.resourceId}": ${issue.code}: ${issue.message}\n`);
      return 1;
    }
    graph.levels.forEach((ids, level) => {
      out(`level ${level}: ${ids.join(', ')}\n`);
    });
    return 0;
  }

  const prepared = await prepare(options);
  if (!prepared.ok) return prepared.code;
  const { form, rows, namespace } = prepared;

  const graph = buildDependencyGraph(form.resources);
  if (!graph.ok) {
    for (const issue of graph.errors)
      err(`resource "${issue.resourceId}": ${issue.code}: ${issue.message}\n`);
    return 1;
  }

  const env = createTemplateEnvironment({ functions: await loadTemplateFunctions() });
  const compiled = compileForm(env, form.resources);
  const renderOptions = { isNamespaced: scopeTable(options.scopes) };
  let failed = false;
  for (const row of rows) {
    const result = renderNode(compiled, { variables: row.variables, namespace }, renderOptions);
    for (const issue of result.errors) err(`${row.label}${formatIssue(issue)}\n`);
    if (!result.ok || result.errors.length > 0) failed = true;
    if (!result.ok) continue;
    const byId = new Map<string, RenderedManifest>(result.manifests.map((m) => [m.id, m]));
    out(row.header);
    for (const ids of graph.levels) {
      for (const id of ids) {
        const manifest = byId.get(id);
        if (manifest === undefined) continue;
        out(
          `---\n# resource ${id}, level ${graph.levelOf.get(id) ?? 0}\n${toYaml(manifestObject(manifest), { lineWidth: 0 })}`,
        );
      }
    }
  }
  return failed ? 1 : 0;
};
