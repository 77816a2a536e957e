// The short text view of an inspection: where the object stands, why, since when, what fails, and the recent history.
import type { Inspection } from './inspection.js';

const record = (value: unknown): Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/** Control characters from the cluster never reach the terminal as such (no escape sequences). */
const clean = (value: unknown): string => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) as string | undefined);
  return (text ?? '').replace(/\p{Cc}/gu, '?');
};

/** A count from the summary; anything else shows as 0. */
const n = (value: unknown): string => String(typeof value === 'number' ? value : 0);

interface ResourceLine {
  readonly id?: unknown;
  readonly state?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
}

interface ConditionLine {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
}

/** What a person reads first: the state, the reason, what is failing, the last transitions. */
export const inspectionText = (inspection: Inspection, now: Date = new Date()): string => {
  const c = inspection.context;
  const ago = (at: string | undefined): string => {
    if (at === undefined) return '';
    const seconds = Math.round((now.getTime() - Date.parse(at)) / 1000);
    return Number.isFinite(seconds) ? ` (${String(Math.max(0, seconds))}s ago)` : '';
  };
  const lines = [
    `${inspection.apiKind} ${clean(inspection.namespace)}/${clean(inspection.name)}`,
    `  state:   ${inspection.state ?? '(unknown)'}${inspection.phase === undefined ? '' : `  (phase ${clean(inspection.phase)})`}`,
    `  event:   ${clean(inspection.event ?? '(none)')}`,
    `  since:   ${clean(inspection.since ?? '(never published)')}${ago(inspection.since)}`,
    `  source:  ${inspection.source === 'operator' ? 'the operator (live actor)' : 'status, through the API'}`,
  ];
  if (inspection.kind === 'node') {
    lines.push(
      `  ready:   ${n(c['readyResources'])}/${n(c['desiredResources'])} resources, ${n(c['failedResources'])} failed`,
    );
    const resources = Array.isArray(c['resources']) ? (c['resources'] as ResourceLine[]) : [];
    if (resources.length > 0) lines.push('  resources:');
    for (const r of resources) {
      const why = r.reason === undefined ? '' : `  ${clean(r.reason)}`;
      const message = r.message === undefined ? '' : `: ${clean(r.message)}`;
      lines.push(`    ${clean(r.id)}  ${clean(r.state)}${why}${message}`);
    }
  } else if (inspection.kind === 'hub') {
    const rows = record(c['rows']);
    lines.push(
      `  nodes:   ${n(c['ready'])}/${n(c['desired'])} ready, ${n(c['failed'])} failed; rows ${n(rows['active'])} active of ${n(rows['total'])}`,
    );
  } else {
    const rollout = record(c['rollout']);
    lines.push(
      `  nodes:   ${n(c['readyNodes'])}/${n(c['totalNodes'])} ready, ${n(c['failedNodes'])} failed; revision ${clean(c['currentRevision'] ?? '(none)')}; rollout ${clean(rollout['phase'] ?? '(none)')}`,
    );
  }
  const conditions = Array.isArray(c['conditions']) ? (c['conditions'] as ConditionLine[]) : [];
  if (conditions.length > 0) lines.push('  conditions:');
  for (const n of conditions) {
    lines.push(
      `    ${clean(n.type)}=${clean(n.status)}  ${clean(n.reason)}${n.message === '' ? '' : `: ${clean(n.message)}`}`,
    );
  }
  if (inspection.history.length > 0) lines.push('  history:');
  for (const t of inspection.history) {
    lines.push(`    ${clean(t.at)}  ${clean(t.from)} -> ${clean(t.to)}  ${clean(t.event)}`);
  }
  return `${lines.join('\n')}\n`;
};
