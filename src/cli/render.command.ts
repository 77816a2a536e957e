// `lynq render`: renders a form for given variables, or for rows read from the hub's database, and prints the manifests in apply order (T8).

import { readFile } from 'node:fs/promises';
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
import { parseRenderArgs, renderUsage, type RenderOptions } from './render-args.js';
import { readHubFile, type HubFile } from './hub-file.js';
import {
  describeFailure,
  lazySecretReader,
  readRowsFromDb,
  type FromDbRows,
  type SecretReader,
} from './render-from-db.js';

type Variables = Readonly<Record<string, unknown>>;

const out = (text: string): void => {
  process.stdout.write(text);
};
const err = (text: string): void => {
  process.stderr.write(text);
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
      out(renderUsage);
      return 0;
    case 'usage-error':
      err(`${parsed.message}\n${renderUsage}`);
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
