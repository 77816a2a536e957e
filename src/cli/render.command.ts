// `lynq render`: renders a form for given variables and prints the manifests in apply order (T8).

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { compileForm } from '../render/compile.js';
import { buildDependencyGraph } from '../render/dependency-graph.js';
import { createTemplateEnvironment } from '../render/environment.js';
import { loadTemplateFunctions } from '../render/function-table.js';
import { scopeTable } from '../render/kind-scope.js';
import { renderNode } from '../render/render.js';
import { formatIssue, manifestObject, type RenderedManifest } from '../render/render-types.js';
import { readFormFile } from './form-file.js';

const usage = `usage: lynq render --form <form.yaml> [--vars k=v,k=v] [--vars-file rows.json]
                   [--namespace ns] [--namespaced-kind Group/Kind]... [--cluster-kind Group/Kind]...
                   [--show-order]
Renders a LynqForm for each row of variables and prints the manifests as YAML in apply order.
Never contacts a cluster. Exits 1 when any resource fails to render, 2 on bad usage.
  --vars             variables of one row: uid=acme,plan=pro (values are strings)
  --vars-file        a JSON or YAML file: one object of variables, or a list of them
  --namespace        the node's namespace (default: the form's, else "default")
  --namespaced-kind  a kind beyond the built-in table that is namespaced (core group: /Kind)
  --cluster-kind     a kind beyond the built-in table that is cluster-scoped
  --show-order       print the dependency levels instead of manifests
`;

type Row = Readonly<Record<string, unknown>>;

const out = (text: string): void => {
  process.stdout.write(text);
};
const err = (text: string): void => {
  process.stderr.write(text);
};

/** `uid=acme,plan=pro` → `{ uid: 'acme', plan: 'pro' }`. */
export const parseVars = (text: string): Record<string, string> => {
  const vars: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--vars: expected name=value, got "${pair}"`);
    vars[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return vars;
};

const readRows = async (path: string): Promise<Row[]> => {
  const data: unknown = parseYaml(await readFile(path, 'utf8'));
  const rows = Array.isArray(data) ? data : [data];
  return rows.map((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new Error(`${path}: row ${i} is not an object of variables`);
    }
    return row as Row;
  });
};

const kindKey = (text: string): string => {
  if (!text.includes('/'))
    throw new Error(`expected Group/Kind (core group: /Kind), got "${text}"`);
  return text;
};

/** The `lynq render` command. Resolves to the exit code; writes only to stdout and stderr. */
export const renderCommand = async (args: readonly string[]): Promise<number> => {
  // `lynq render … | head` closes stdout early; that is the reader's choice, not a failure.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        form: { type: 'string' },
        vars: { type: 'string', multiple: true },
        'vars-file': { type: 'string' },
        namespace: { type: 'string' },
        'namespaced-kind': { type: 'string', multiple: true },
        'cluster-kind': { type: 'string', multiple: true },
        'show-order': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e: unknown) {
    err(`${e instanceof Error ? e.message : String(e)}\n${usage}`);
    return 2;
  }
  const opts = parsed.values;
  if (opts.help === true) {
    out(usage);
    return 0;
  }
  if (opts.form === undefined) {
    err(`--form is required\n${usage}`);
    return 2;
  }

  let form;
  const scopes: Record<string, boolean> = {};
  let rows: Row[];
  try {
    form = await readFormFile(opts.form);
    for (const k of opts['namespaced-kind'] ?? []) scopes[kindKey(k)] = true;
    for (const k of opts['cluster-kind'] ?? []) scopes[kindKey(k)] = false;
    const inline = (opts.vars ?? []).reduce<Record<string, string>>(
      (acc, text) => ({ ...acc, ...parseVars(text) }),
      {},
    );
    rows =
      opts['vars-file'] === undefined
        ? [inline]
        : (await readRows(opts['vars-file'])).map((r) => ({ ...r, ...inline }));
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
  if (opts['show-order'] === true) {
    graph.levels.forEach((ids, level) => {
      out(`level ${level}: ${ids.join(', ')}\n`);
    });
    return 0;
  }

  const env = createTemplateEnvironment({ functions: await loadTemplateFunctions() });
  const compiled = compileForm(env, form.resources);
  const namespace = opts.namespace ?? form.namespace ?? 'default';
  const options = { isNamespaced: scopeTable(scopes) };
  const outcome = { failed: false };
  rows.forEach((row, index) => {
    // The hub adds these to every row (H3); a row may override them.
    const variables = {
      ...(form.hubId === undefined ? {} : { hubId: form.hubId }),
      templateRef: form.name,
      ...row,
    };
    const result = renderNode(compiled, { variables, namespace }, options);
    const label =
      rows.length > 1
        ? `row ${index}${typeof row['uid'] === 'string' ? ` (uid ${row['uid']})` : ''}: `
        : '';
    if (!result.ok) {
      outcome.failed = true;
      for (const issue of result.errors) err(`${label}${formatIssue(issue)}\n`);
      return;
    }
    for (const issue of result.errors) err(`${label}${formatIssue(issue)}\n`);
    if (result.errors.length > 0) outcome.failed = true;
    const byId = new Map<string, RenderedManifest>(result.manifests.map((m) => [m.id, m]));
    if (rows.length > 1)
      out(`# row ${index}${typeof row['uid'] === 'string' ? ` uid=${row['uid']}` : ''}\n`);
    for (const ids of graph.levels) {
      for (const id of ids) {
        const manifest = byId.get(id);
        if (manifest === undefined) continue;
        out(
          `---\n# resource ${id}, level ${graph.levelOf.get(id) ?? 0}\n${toYaml(manifestObject(manifest), { lineWidth: 0 })}`,
        );
      }
    }
  });
  return outcome.failed ? 1 : 0;
};
