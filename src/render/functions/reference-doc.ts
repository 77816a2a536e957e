// Renders docs/template-functions.md from the function table, so the reference never drifts from the code.

import type { TemplateFunction } from '../template-function.js';
import { excludedSprigFunctions, templateFunctions } from './index.js';

/** Makes text safe inside a Markdown table cell: pipes escaped, line breaks shown as `\n`. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', '\\n').replaceAll('\t', '\\t');
}

/** A code span that survives backticks in its content. */
function code(text: string): string {
  if (text === '') return '';
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${cell(text)}${pad}${fence}`;
}

function row(entry: TemplateFunction): string {
  return `| ${[
    `\`${entry.name}\``,
    code(entry.filterSignature),
    entry.globalSignature === undefined ? '—' : code(entry.globalSignature),
    cell(entry.meaning),
    code(entry.example),
    code(entry.expected),
    entry.clash === undefined ? '' : cell(entry.clash),
  ].join(' | ')} |`;
}

/** The whole reference page, deterministic for a given table. */
export function renderReferenceDoc(): string {
  const excluded = Object.entries(excludedSprigFunctions).sort(([a], [b]) => (a < b ? -1 : 1));
  return [
    '# Template functions',
    '',
    '<!-- Generated from src/render/functions by `npm run docs:functions`; do not edit by hand. -->',
    '',
    `Lynq templates have **${templateFunctions.length} functions**: every hermetic function of`,
    "Sprig v3 (the library Helm charts use), Helm's `toYaml`/`fromYaml`, Go templates' `urlquery`,",
    "and Lynq's own `toHost`, `trunc63`, `int`/`float`/`bool`/`typed` typed filters (SPEC T3, T4).",
    '',
    'Each function is a **filter**, with the piped value first (`s | trunc(5)`), and a **global**,',
    "with Sprig's argument order (`trunc(5, s)`), where the global column shows one. Where a name is",
    "also a nunjucks built-in filter, the last column says which behaviour wins. Every example's",
    "output is checked by a test; outputs come from Sprig's documentation where it gives one.",
    'In the example and output columns, `\\n` and `\\t` stand for a newline and a tab.',
    '',
    'Differences from Sprig that apply throughout:',
    '',
    '- Regular expressions are Go RE2 (via re2js): lookahead, lookbehind and backreferences are',
    '  rejected, `(?P<name>…)`, `(?i)`, `[[:alpha:]]`, `\\pL` work, and matching is linear-time.',
    '- Numbers are JavaScript numbers: integers are exact up to 2^53, and print without `.0`.',
    '- Functions that build strings or lists (`repeat`, `indent`, `wrap`, `join`, `until`, `seq`,',
    '  `toJson`, …) check the render limits before building and fail the node when over.',
    '- Dicts have no prototype, and the keys `__proto__`, `constructor` and `prototype` are refused.',
    '- `merge` and `mergeOverwrite` return a new dict instead of modifying the first.',
    '- Decoding functions (`b64dec`, `b32dec`, `mustFromJson`, `fromYaml`) fail the render on bad',
    '  input instead of returning an error text.',
    '',
    '## Functions',
    '',
    '| Name | Filter | Global | Meaning | Example | Output | nunjucks built-in clash |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...templateFunctions.map(row),
    '',
    `## Sprig functions left out (${excluded.length})`,
    '',
    'Templates are hermetic (SPEC T5): no clock, randomness, environment or network.',
    '',
    '| Name | Why |',
    '| --- | --- |',
    ...excluded.map(([name, reason]) => `| \`${name}\` | ${cell(reason)} |`),
    '',
  ].join('\n');
}
