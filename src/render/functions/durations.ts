// The pure duration functions of Sprig's date.md: formatting and rounding a given duration.
//
// Only the forms that read no clock are here: `durationRound` of a time value (time since then)
// needs "now", and Lynq has no time values at all (`toDate` and `now` are excluded).

import type { TemplateFunction } from '../template-function.js';
import { parseGoInteger } from './values.js';

const second = 1e9;
const minute = 60 * second;
const hour = 60 * minute;

/** Go's `time.Duration.String()` for a whole number of seconds. */
function formatSeconds(total: number): string {
  if (total === 0) return '0s';
  const sign = total < 0 ? '-' : '';
  let rest = Math.abs(total);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** Sprig's `duration`: seconds (a number or a numeric string; anything else is 0) as a Go duration. */
function duration(seconds: unknown): string {
  if (typeof seconds === 'number') return formatSeconds(Math.trunc(seconds));
  const parsed = typeof seconds === 'string' ? parseGoInteger(seconds) : Number.NaN;
  return formatSeconds(Number.isNaN(parsed) ? 0 : parsed);
}

const unitNanos: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: second,
  m: minute,
  h: hour,
};

/** Go's `time.ParseDuration`, in nanoseconds; NaN when the text is not a duration. */
function parseDuration(text: string): number {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const m = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!m) return Number.NaN;
  let total = 0;
  for (const part of (m[2] ?? '').matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (unitNanos[part[2] ?? ''] ?? 0);
  }
  return m[1] === '-' ? -total : total;
}

/**
 * Sprig's `durationRound`: the duration's most significant unit (y = 365 days, mo = 30 days).
 * Strings are Go durations, numbers are nanoseconds; anything else is 0.
 */
function durationRound(value: unknown): string {
  let nanos = 0;
  if (typeof value === 'number') nanos = value;
  else if (typeof value === 'string') nanos = parseDuration(value);
  if (Number.isNaN(nanos)) nanos = 0;
  const u = Math.abs(nanos);
  const units: readonly [number, string][] = [
    [365 * 24 * hour, 'y'],
    [30 * 24 * hour, 'mo'],
    [24 * hour, 'd'],
    [hour, 'h'],
    [minute, 'm'],
    [second, 's'],
  ];
  for (const [size, unit] of units) if (u > size) return `${Math.floor(u / size)}${unit}`;
  return '0s';
}

export const durationFunctions: readonly TemplateFunction[] = [
  {
    name: 'duration',
    filterSignature: 'seconds | duration',
    globalSignature: 'duration(seconds)',
    meaning: 'Formats a number of seconds as a Go duration (`1m35s`).',
    example: '{{ "95" | duration }}',
    expected: '1m35s',
    filter: duration,
    global: duration,
  },
  {
    name: 'durationRound',
    filterSignature: 'd | durationRound',
    globalSignature: 'durationRound(d)',
    meaning:
      'Rounds a Go duration string (or nanoseconds) down to its most significant unit: y, mo, d, h, m or s.',
    example: '{{ "2h10m5s" | durationRound }} {{ "2400h10m5s" | durationRound }}',
    expected: '2h 3mo',
    filter: durationRound,
    global: durationRound,
  },
];
