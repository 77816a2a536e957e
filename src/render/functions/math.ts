// Math functions (Sprig's math.md, mathf.md, integer_slice.md): int64 and decimal arithmetic, ranges.
//
// Numbers are JavaScript doubles: integers are exact up to 2^53, beyond that Go's int64 and ours
// differ. The float functions use exact decimal arithmetic as Sprig's shopspring/decimal does,
// so `addf(0.1, 0.2)` is 0.3.

import type { TemplateFunction } from '../template-function.js';
import { renderLimits } from '../limits.js';
import { checkSequenceLength, intArg, toFloat64, toInt64 } from './values.js';

/** A decimal: `mantissa × 10^-scale`. */
interface Decimal {
  readonly mantissa: bigint;
  readonly scale: number;
}

/** Digits after the point that a decimal division keeps (shopspring's DivisionPrecision). */
const divisionPrecision = 16;

function toDecimal(fn: string, value: unknown): Decimal {
  const x = toFloat64(value);
  if (!Number.isFinite(x)) throw new Error(`${fn}: ${x} is not a finite number`);
  // String(x) is the shortest text that reads back as x, as decimal.NewFromFloat uses.
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!match) throw new Error(`${fn}: cannot read ${x} as a decimal`);
  const [, sign = '', whole = '0', fraction = '', exponent = '0'] = match;
  const scale = fraction.length - Number(exponent);
  const mantissa = BigInt(`${sign}${whole}${fraction}`);
  if (scale < 0) return { mantissa: mantissa * 10n ** BigInt(-scale), scale: 0 };
  return { mantissa, scale };
}

function rescale(d: Decimal, scale: number): bigint {
  return d.mantissa * 10n ** BigInt(scale - d.scale);
}

function decimalToNumber(d: Decimal): number {
  return Number(`${d.mantissa}e-${d.scale}`);
}

type DecimalOp = (a: Decimal, b: Decimal) => Decimal;

const addDec: DecimalOp = (a, b) => {
  const scale = Math.max(a.scale, b.scale);
  return { mantissa: rescale(a, scale) + rescale(b, scale), scale };
};

const subDec: DecimalOp = (a, b) => {
  const scale = Math.max(a.scale, b.scale);
  return { mantissa: rescale(a, scale) - rescale(b, scale), scale };
};

const mulDec: DecimalOp = (a, b) => ({
  mantissa: a.mantissa * b.mantissa,
  scale: a.scale + b.scale,
});

/** Division rounded half away from zero to 16 decimal places. */
function divDec(fn: string): DecimalOp {
  return (a, b) => {
    if (b.mantissa === 0n) throw new Error(`${fn}: division by zero`);
    // a/b = (ma/mb) × 10^(sb-sa); scale the numerator so the quotient has divisionPrecision+1 digits.
    const shift = divisionPrecision + 1 + b.scale - a.scale;
    const numerator = shift >= 0 ? a.mantissa * 10n ** BigInt(shift) : a.mantissa;
    const denominator = shift >= 0 ? b.mantissa : b.mantissa * 10n ** BigInt(-shift);
    const q = numerator / denominator; // one extra digit for rounding
    const negative = q < 0n;
    const abs = negative ? -q : q;
    const rounded = (abs + 5n) / 10n;
    return { mantissa: negative ? -rounded : rounded, scale: divisionPrecision };
  };
}

/** Sprig's `execDecimalOp`: folds the operation over the arguments in decimal. */
function decimalFold(fn: string, op: DecimalOp, first: unknown, rest: readonly unknown[]): number {
  let acc = toDecimal(fn, first);
  for (const v of rest) acc = op(acc, toDecimal(fn, v));
  return decimalToNumber(acc);
}

function intDiv(fn: string) {
  return (a: unknown, b: unknown): number => {
    const divisor = toInt64(b);
    if (divisor === 0) throw new Error(`${fn}: division by zero`);
    return Math.trunc(toInt64(a) / divisor);
  };
}

function mod(a: unknown, b: unknown): number {
  const divisor = toInt64(b);
  if (divisor === 0) throw new Error('mod: division by zero');
  return toInt64(a) % divisor;
}

function max(first: unknown, ...rest: unknown[]): number {
  return rest.reduce<number>((m, v) => Math.max(m, toInt64(v)), toInt64(first));
}

function min(first: unknown, ...rest: unknown[]): number {
  return rest.reduce<number>((m, v) => Math.min(m, toInt64(v)), toInt64(first));
}

function round(value: unknown, places: unknown, roundOn?: unknown): number {
  const on = roundOn === undefined ? 0.5 : toFloat64(roundOn);
  const pow = 10 ** toFloat64(places);
  const digit = pow * toFloat64(value);
  const fraction = digit - Math.trunc(digit);
  return (fraction >= on ? Math.ceil(digit) : Math.floor(digit)) / pow;
}

/** Sprig's `untilStep`, counting the elements before allocating them. */
export function untilStep(fn: string, start: number, stop: number, step: number): number[] {
  let count = 0;
  if (stop < start && step < 0) count = Math.ceil((start - stop) / -step);
  else if (stop > start && step > 0) count = Math.ceil((stop - start) / step);
  checkSequenceLength(fn, count);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

function until(count: unknown): number[] {
  const n = intArg('until', 'count', count);
  return untilStep('until', 0, n, n < 0 ? -1 : 1);
}

function seq(...params: unknown[]): string {
  const ints = params.map((p, i) => intArg('seq', `argument ${i + 1}`, p));
  const range = (start: number, end: number, step: number) =>
    untilStep('seq', start, end, step).join(' ');
  switch (ints.length) {
    case 1: {
      const end = ints[0] ?? 0;
      const step = end < 1 ? -1 : 1;
      return range(1, end + step, step);
    }
    case 2: {
      const [start = 0, end = 0] = ints;
      const step = end < start ? -1 : 1;
      return range(start, end + step, step);
    }
    case 3: {
      const [start = 0, step = 0, end = 0] = ints;
      const increment = end < start ? -1 : 1;
      if ((end < start && step > 0) || (end >= start && step < 0)) return '';
      return range(start, end + increment, step);
    }
    default:
      return '';
  }
}

export const mathFunctions: readonly TemplateFunction[] = [
  {
    name: 'add',
    filterSignature: 'a | add(...more)',
    globalSignature: 'add(...numbers)',
    meaning: 'The integer sum (each argument truncated to an integer first).',
    example: '{{ add(1, 2, 3) }}',
    expected: '6',
    filter: (...v: unknown[]) => v.reduce<number>((sum, x) => sum + toInt64(x), 0),
    global: (...v: unknown[]) => v.reduce<number>((sum, x) => sum + toInt64(x), 0),
  },
  {
    name: 'add1',
    filterSignature: 'a | add1',
    globalSignature: 'add1(a)',
    meaning: 'The integer plus one.',
    example: '{{ 4 | add1 }}',
    expected: '5',
    filter: (a: unknown) => toInt64(a) + 1,
    global: (a: unknown) => toInt64(a) + 1,
  },
  {
    name: 'sub',
    filterSignature: 'a | sub(b)',
    globalSignature: 'sub(a, b)',
    meaning: 'The integer difference a - b.',
    example: '{{ sub(5, 3) }}',
    expected: '2',
    filter: (a: unknown, b: unknown) => toInt64(a) - toInt64(b),
    global: (a: unknown, b: unknown) => toInt64(a) - toInt64(b),
  },
  {
    name: 'div',
    filterSignature: 'a | div(b)',
    globalSignature: 'div(a, b)',
    meaning: 'The integer quotient a / b, truncated towards zero; division by zero fails.',
    example: '{{ div(7, 2) }}',
    expected: '3',
    filter: intDiv('div'),
    global: intDiv('div'),
  },
  {
    name: 'mod',
    filterSignature: 'a | mod(b)',
    globalSignature: 'mod(a, b)',
    meaning: 'The integer remainder of a / b (sign of a); division by zero fails.',
    example: '{{ mod(7, 2) }}',
    expected: '1',
    filter: mod,
    global: mod,
  },
  {
    name: 'mul',
    filterSignature: 'a | mul(...more)',
    globalSignature: 'mul(...numbers)',
    meaning: 'The integer product.',
    example: '{{ mul(1, 2, 3) }}',
    expected: '6',
    filter: (a: unknown, ...v: unknown[]) => v.reduce<number>((p, x) => p * toInt64(x), toInt64(a)),
    global: (a: unknown, ...v: unknown[]) => v.reduce<number>((p, x) => p * toInt64(x), toInt64(a)),
  },
  {
    name: 'max',
    filterSignature: 'a | max(...more)',
    globalSignature: 'max(...numbers)',
    meaning: 'The largest, as an integer.',
    example: '{{ max(1, 2, 3) }}',
    expected: '3',
    filter: max,
    global: max,
  },
  {
    name: 'biggest',
    filterSignature: 'a | biggest(...more)',
    globalSignature: 'biggest(...numbers)',
    meaning: 'Same as `max`.',
    example: '{{ biggest(1, 2, 3) }}',
    expected: '3',
    filter: max,
    global: max,
  },
  {
    name: 'min',
    filterSignature: 'a | min(...more)',
    globalSignature: 'min(...numbers)',
    meaning: 'The smallest, as an integer.',
    example: '{{ min(1, 2, 3) }}',
    expected: '1',
    filter: min,
    global: min,
  },
  {
    name: 'maxf',
    filterSignature: 'a | maxf(...more)',
    globalSignature: 'maxf(...numbers)',
    meaning: 'The largest, as a float.',
    example: '{{ maxf(1, 2.5, 3) }}',
    expected: '3',
    filter: (a: unknown, ...v: unknown[]) => Math.max(toFloat64(a), ...v.map(toFloat64)),
    global: (a: unknown, ...v: unknown[]) => Math.max(toFloat64(a), ...v.map(toFloat64)),
  },
  {
    name: 'minf',
    filterSignature: 'a | minf(...more)',
    globalSignature: 'minf(...numbers)',
    meaning: 'The smallest, as a float.',
    example: '{{ minf(1.5, 2, 3) }}',
    expected: '1.5',
    filter: (a: unknown, ...v: unknown[]) => Math.min(toFloat64(a), ...v.map(toFloat64)),
    global: (a: unknown, ...v: unknown[]) => Math.min(toFloat64(a), ...v.map(toFloat64)),
  },
  {
    name: 'floor',
    filterSignature: 'a | floor',
    globalSignature: 'floor(a)',
    meaning: 'The greatest integer value less than or equal to the number (printed without ".0").',
    example: '{{ 123.9999 | floor }}',
    expected: '123',
    filter: (a: unknown) => Math.floor(toFloat64(a)),
    global: (a: unknown) => Math.floor(toFloat64(a)),
  },
  {
    name: 'ceil',
    filterSignature: 'a | ceil',
    globalSignature: 'ceil(a)',
    meaning: 'The least integer value greater than or equal to the number (printed without ".0").',
    example: '{{ 123.001 | ceil }}',
    expected: '124',
    filter: (a: unknown) => Math.ceil(toFloat64(a)),
    global: (a: unknown) => Math.ceil(toFloat64(a)),
  },
  {
    name: 'round',
    filterSignature: 'a | round(places, roundOn=0.5)',
    globalSignature: 'round(a, places, roundOn=0.5)',
    meaning:
      'Rounds to `places` digits after the point; a fraction at or above `roundOn` rounds up.',
    example: '{{ 123.555555 | round(3) }}',
    expected: '123.556',
    clash:
      "Sprig wins: nunjucks `round(precision=0, method)` takes a method name second; ours takes Sprig's round-on threshold, and `places` is required.",
    filter: round,
    global: round,
  },
  {
    name: 'addf',
    filterSignature: 'a | addf(...more)',
    globalSignature: 'addf(...numbers)',
    meaning: 'The sum, in exact decimal arithmetic.',
    example: '{{ addf(1.5, 2, 2) }}',
    expected: '5.5',
    filter: (...v: unknown[]) => decimalFold('addf', addDec, 0, v),
    global: (...v: unknown[]) => decimalFold('addf', addDec, 0, v),
  },
  {
    name: 'add1f',
    filterSignature: 'a | add1f',
    globalSignature: 'add1f(a)',
    meaning: 'The number plus one, in exact decimal arithmetic.',
    example: '{{ 1.5 | add1f }}',
    expected: '2.5',
    filter: (a: unknown) => decimalFold('add1f', addDec, a, [1]),
    global: (a: unknown) => decimalFold('add1f', addDec, a, [1]),
  },
  {
    name: 'subf',
    filterSignature: 'a | subf(...more)',
    globalSignature: 'subf(a, ...numbers)',
    meaning: 'The first number minus the others, in exact decimal arithmetic.',
    example: '{{ subf(7.5, 2, 3) }}',
    expected: '2.5',
    filter: (a: unknown, ...v: unknown[]) => decimalFold('subf', subDec, a, v),
    global: (a: unknown, ...v: unknown[]) => decimalFold('subf', subDec, a, v),
  },
  {
    name: 'divf',
    filterSignature: 'a | divf(...more)',
    globalSignature: 'divf(a, ...numbers)',
    meaning:
      'The first number divided by the others, in decimal (16 places); division by zero fails.',
    example: '{{ divf(10, 2, 4) }}',
    expected: '1.25',
    filter: (a: unknown, ...v: unknown[]) => decimalFold('divf', divDec('divf'), a, v),
    global: (a: unknown, ...v: unknown[]) => decimalFold('divf', divDec('divf'), a, v),
  },
  {
    name: 'mulf',
    filterSignature: 'a | mulf(...more)',
    globalSignature: 'mulf(a, ...numbers)',
    meaning: 'The product, in exact decimal arithmetic.',
    example: '{{ mulf(1.5, 2, 2) }}',
    expected: '6',
    filter: (a: unknown, ...v: unknown[]) => decimalFold('mulf', mulDec, a, v),
    global: (a: unknown, ...v: unknown[]) => decimalFold('mulf', mulDec, a, v),
  },
  {
    name: 'until',
    filterSignature: 'count | until',
    globalSignature: 'until(count)',
    meaning: `The integers from 0 up to (not including) count; counts down for a negative count. At most ${renderLimits.maxSequenceLength} elements.`,
    example: '{{ until(5) | join(" ") }}',
    expected: '0 1 2 3 4',
    filter: until,
    global: until,
  },
  {
    name: 'untilStep',
    filterSignature: 'start | untilStep(stop, step)',
    globalSignature: 'untilStep(start, stop, step)',
    meaning:
      'The integers from start, adding step, while below stop (above it for a negative step).',
    example: '{{ untilStep(3, 6, 2) | join(" ") }}',
    expected: '3 5',
    filter: untilStepArgs,
    global: untilStepArgs,
  },
  {
    name: 'seq',
    filterSignature: 'end | seq · start | seq(end) · start | seq(step, end)',
    globalSignature: 'seq(end) · seq(start, end) · seq(start, step, end)',
    meaning:
      "Like the shell's `seq`: the integers from start (default 1) to end inclusive, as a space-separated string.",
    example:
      '{{ seq(5) }}|{{ seq(-3) }}|{{ seq(0, 2) }}|{{ seq(2, -2) }}|{{ seq(0, 2, 10) }}|{{ seq(0, -2, -5) }}',
    expected: '1 2 3 4 5|1 0 -1 -2 -3|0 1 2|2 1 0 -1 -2|0 2 4 6 8 10|0 -2 -4',
    filter: seq,
    global: seq,
  },
];

function untilStepArgs(start: unknown, stop: unknown, step: unknown): number[] {
  return untilStep(
    'untilStep',
    intArg('untilStep', 'start', start),
    intArg('untilStep', 'stop', stop),
    intArg('untilStep', 'step', step),
  );
}
