// `lynq inspect hub|form|node <namespace>/<name>`: where an object's state machine stands, read through the API as the user (or live from the operator), as text, JSON, Mermaid or one HTML file (SPEC O3).
import { writeFile } from 'node:fs/promises';
import { LynqError, messageOf } from '../errors.js';
import { createApiClient } from '../kube/api-client.js';
import { createHttpTransport } from '../kube/http-transport.js';
import { lynqObjectPath } from '../kube/lynq-paths.js';
import { inspect, inspectionJson, type Inspection } from '../inspect/inspection.js';
import { inspectionHtml, readMermaidBundle } from '../inspect/inspection-html.js';
import { inspectionText } from '../inspect/inspection-text.js';
import { isInspectKind, machineCatalog, type InspectKind } from '../inspect/machine-catalog.js';
import { mermaidDiagram } from '../inspect/mermaid-diagram.js';
import type { InspectedObject } from '../inspect/status-state.js';
import { commandHelp, parseCommand, type CommandFlag } from './command-flags.js';
import { loadUserKubeConfig } from './user-kubeconfig.js';

const formats = ['text', 'json', 'mermaid', 'html'] as const;
type Format = (typeof formats)[number];

export const inspectFlags: readonly CommandFlag[] = [
  { name: 'format', about: 'what to print', choices: formats, fallback: 'text' },
  {
    name: 'output',
    about: 'write to this file instead of standard output',
    fallback: 'standard output; for html lynq-<kind>-<namespace>-<name>.html',
  },
  { name: 'kubeconfig', about: 'kubeconfig file', fallback: 'KUBECONFIG, then ~/.kube/config' },
  {
    name: 'from-operator',
    about:
      "the operator's health address (http://host:8081), started with --debug-endpoints: read the live actor instead of status",
  },
  { name: 'timeout-seconds', about: 'give up reading after this long', fallback: '30' },
];

const usage = 'lynq inspect hub|form|node <namespace>/<name> [flags]';

const help = commandHelp(
  usage,
  "Shows where a LynqHub, LynqForm or LynqNode stands in its state machine: the state (with\nsub-states), the event that caused it, since when, the last transitions, and what is failing.\nReads the object's status through the API with your kubeconfig; writes nothing. json is\n{definition, value, since, event, history, context}: definition is the machine for the Stately\nvisualizer; mermaid is a stateDiagram-v2 for mermaid.live; html is one self-contained file.",
  inspectFlags,
);

interface InspectTarget {
  readonly kind: InspectKind;
  readonly namespace: string;
  readonly name: string;
}

const targetOf = (positionals: readonly string[]): InspectTarget => {
  const [kind, ref] = positionals;
  if (kind === undefined || !isInspectKind(kind)) {
    throw new Error(`the first argument must be hub, form or node, got "${kind ?? ''}"`);
  }
  const match = ref === undefined ? null : /^([^/\s]+)\/([^/\s]+)$/.exec(ref);
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new Error(`the second argument must be <namespace>/<name>, got "${ref ?? ''}"`);
  }
  return { kind, namespace: match[1], name: match[2] };
};

/** The object's inspection from its status, read with the user's kubeconfig. */
const inspectThroughApi = async (
  target: InspectTarget,
  kubeconfig: string | undefined,
  signal: AbortSignal,
): Promise<Inspection> => {
  const transport = createHttpTransport(loadUserKubeConfig(kubeconfig, process.env));
  try {
    const client = createApiClient(transport);
    const entry = machineCatalog[target.kind];
    const object = await client.get(
      lynqObjectPath(entry.plural, target.namespace, target.name),
      signal,
    );
    if (object === undefined) {
      throw new LynqError(`${entry.apiKind} ${target.namespace}/${target.name} not found`, {
        kind: 'InvalidSpec',
        code: 'NotFound',
      });
    }
    return inspect(target.kind, object as InspectedObject);
  } finally {
    transport.close();
  }
};

/** The live snapshot from the operator's debug endpoint (`--debug-endpoints`). */
const inspectFromOperator = async (
  target: InspectTarget,
  base: string,
  signal: AbortSignal,
): Promise<Inspection> => {
  const url = new URL(
    `debug/machines/${target.kind}s/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.name)}`,
    base.endsWith('/') ? base : `${base}/`,
  );
  const res = await fetch(url, { signal });
  const body = await res.text();
  if (!res.ok) {
    throw new LynqError(`${url.toString()}: ${String(res.status)} ${body.trim()}`, {
      kind: 'Transient',
      code: 'OperatorDebugEndpoint',
    });
  }
  return JSON.parse(body) as Inspection;
};

const render = async (inspection: Inspection, format: Format): Promise<string> => {
  const diagram = (): string =>
    mermaidDiagram({
      kind: inspection.kind,
      state: inspection.state,
      history: inspection.history,
    });
  switch (format) {
    case 'text':
      return inspectionText(inspection);
    case 'json':
      return inspectionJson(inspection);
    case 'mermaid':
      return diagram();
    case 'html':
      return inspectionHtml(inspection, diagram(), await readMermaidBundle());
  }
};

/** `lynq inspect`: 0 printed, 1 not found or unreadable, 2 bad usage. */
export const inspectCommand = async (args: readonly string[]): Promise<number> => {
  const parsed = parseCommand('inspect', inspectFlags, args, 2);
  if (parsed.type === 'help') {
    process.stdout.write(help);
    return 0;
  }
  let target: InspectTarget;
  let format: Format;
  let timeoutMs: number;
  try {
    if (parsed.type === 'usage-error') throw new Error(parsed.message);
    target = targetOf(parsed.positionals);
    format = (parsed.values['format'] ?? 'text') as Format;
    const seconds = Number(parsed.values['timeout-seconds'] ?? '30');
    if (!Number.isInteger(seconds) || seconds < 1) {
      throw new Error(
        `--timeout-seconds: "${parsed.values['timeout-seconds'] ?? ''}" is not a positive whole number`,
      );
    }
    timeoutMs = seconds * 1000;
  } catch (err) {
    process.stderr.write(
      `lynq inspect: ${messageOf(err).replace(/^inspect: /, '')}\nusage: ${usage}\n`,
    );
    return 2;
  }
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const base = parsed.values['from-operator'];
    const inspection =
      base === undefined
        ? await inspectThroughApi(target, parsed.values['kubeconfig'], signal)
        : await inspectFromOperator(target, base, signal);
    const text = await render(inspection, format);
    const output =
      parsed.values['output'] ??
      (format === 'html'
        ? `lynq-${target.kind}-${target.namespace}-${target.name}.html`
        : undefined);
    if (output === undefined) {
      process.stdout.write(text);
    } else {
      await writeFile(output, text);
      process.stdout.write(`wrote ${output}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof LynqError && err.code === 'NoKubeconfig') {
      process.stderr.write(`lynq inspect: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`lynq inspect: ${messageOf(err)}\n`);
    return 1;
  }
};
