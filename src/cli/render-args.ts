// The arguments of `lynq render`: its usage text and a pure parser that checks them (T8).
import { parseArgs } from 'node:util';

/** The help text of `lynq render`. */
export const renderUsage = `usage: lynq render --form <form.yaml> [--vars k=v,k=v] [--vars-file rows.json]
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
