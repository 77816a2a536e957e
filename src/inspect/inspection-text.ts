// The short text view of an inspection: where the object stands, why, since when, what fails, and the recent history.
import type { Inspection } from './inspection.js';

const record = (value: unknown): Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/** Control characters from the cluster never reach the terminal as such. */
const clean = (value: unknown): string =>
  (typeof value === 'string' ? value : (JSON.stringify(value) ?? '')).replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    '?',
  );

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
      `  ready:   ${String(c['readyResources'] ?? 0)}/${String(c['desiredResources'] ?? 0)} resources, ${String(c['failedResources'] ?? 0)} failed`,
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
      `  nodes:   ${String(c['ready'] ?? 0)}/${String(c['desired'] ?? 0)} ready, ${String(c['failed'] ?? 0)} failed; rows ${String(rows['active'] ?? 0)} active of ${String(rows['total'] ?? 0)}`,
    );
  } else {
    const rollout = record(c['rollout']);
    lines.push(
      `  nodes:   ${String(c['readyNodes'] ?? 0)}/${String(c['totalNodes'] ?? 0)} ready, ${String(c['failedNodes'] ?? 0)} failed; revision ${clean(c['currentRevision'] ?? '(none)')}; rollout ${clean(rollout['phase'] ?? '(none)')}`,
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
