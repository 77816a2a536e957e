// Semantic-version functions (Sprig's semver.md) with Masterminds/semver v3 parsing and constraints.
//
// Implemented here rather than with node-semver because the constraint language differs:
// Masterminds accepts commas for AND, `x`/`*` wildcards with its own rules for `<=` and `>`,
// `~>` and hyphen ranges, and skips prereleases unless the constraint names one.

import type { TemplateFunction } from '../template-function.js';
import { pipedLast } from './table-helpers.js';
import { newDict, strArg, type Dict } from './values.js';

interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: string;
  readonly metadata: string;
  readonly original: string;
}

const versionPattern =
  /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/**
 * Masterminds' `NewVersion`: a leading `v` and missing minor/patch are accepted.
 * @throws Error when the text is not a version.
 */
function parseVersion(fn: string, text: string): Version {
  const m = versionPattern.exec(text.trim());
  if (!m) throw new Error(`${fn}: invalid semantic version ${JSON.stringify(text)}`);
  return {
    major: Number(m[1]),
    minor: Number(m[2] ?? 0),
    patch: Number(m[3] ?? 0),
    prerelease: m[4] ?? '',
    metadata: m[5] ?? '',
    original: text,
  };
}

function comparePrerelease(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const as = a.split('.');
  const bs = b.split('.');
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    const x = as[i];
    const y = bs[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      if (Number(x) !== Number(y)) return Number(x) < Number(y) ? -1 : 1;
    } else if (xn !== yn) return xn ? -1 : 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Precedence order; build metadata is ignored. */
function compare(a: Version, b: Version): number {
  for (const [x, y] of [
    [a.major, b.major],
    [a.minor, b.minor],
    [a.patch, b.patch],
  ] as const) {
    if (x !== y) return x < y ? -1 : 1;
  }
  return comparePrerelease(a.prerelease, b.prerelease);
}

interface Constraint {
  readonly op: string;
  readonly con: Version;
  readonly dirty: boolean;
  readonly minorDirty: boolean;
  readonly patchDirty: boolean;
}

const isWild = (part: string | undefined) => part === 'x' || part === 'X' || part === '*';

function parseConstraintVersion(fn: string, op: string, text: string): Constraint {
  const m =
    /^v?([0-9xX*]+)(?:\.([0-9xX*]+))?(?:\.([0-9xX*]+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(
      text,
    );
  if (!m) throw new Error(`${fn}: invalid constraint ${JSON.stringify(text)}`);
  const [, major = '0', minor, patch, pre = '', meta = ''] = m;
  let version: string;
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isWild(major)) {
    // Masterminds marks only `dirty` here, which makes `*` and `x` match every release.
    version = '0.0.0';
    dirty = true;
  } else if (minor === undefined || isWild(minor)) {
    version = `${major}.0.0${pre}`;
    dirty = minorDirty = patchDirty = true;
  } else if (patch === undefined || isWild(patch)) {
    version = `${major}.${minor}.0${pre}`;
    dirty = patchDirty = true;
  } else {
    version = `${major}.${minor}.${patch}${pre}${meta}`;
  }
  return { op, con: parseVersion(fn, version), dirty, minorDirty, patchDirty };
}

/** Masterminds' rule: a prerelease version only satisfies constraints that name a prerelease. */
function prereleaseBlocked(v: Version, c: Constraint): boolean {
  return v.prerelease !== '' && c.con.prerelease === '';
}

function tilde(v: Version, c: Constraint): boolean {
  if (prereleaseBlocked(v, c) || compare(v, c.con) < 0) return false;
  const { major, minor, patch } = c.con;
  if (major === 0 && minor === 0 && patch === 0 && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== major) return false;
  return v.minor === minor || c.minorDirty;
}

function caret(v: Version, c: Constraint): boolean {
  if (prereleaseBlocked(v, c) || compare(v, c.con) < 0) return false;
  const { major, minor, patch } = c.con;
  if (major > 0 || c.minorDirty) return v.major === major;
  if (v.major > 0) return false;
  if (minor > 0 || c.patchDirty) return v.minor === minor;
  if (v.minor > 0) return false;
  return v.patch === patch;
}

function check(v: Version, c: Constraint): boolean {
  const cmp = compare(v, c.con);
  switch (c.op) {
    case '':
    case '=':
      if (prereleaseBlocked(v, c)) return false;
      return c.dirty ? tilde(v, c) : cmp === 0;
    case '!=':
      if (!c.dirty) return cmp !== 0;
      if (v.major !== c.con.major) return true;
      if (c.minorDirty) return false;
      return v.minor !== c.con.minor;
    case '>':
      if (prereleaseBlocked(v, c)) return false;
      if (!c.dirty) return cmp > 0;
      if (v.major !== c.con.major) return v.major > c.con.major;
      if (c.minorDirty) return false;
      return v.minor > c.con.minor;
    case '<':
      return !prereleaseBlocked(v, c) && cmp < 0;
    case '>=':
    case '=>':
      return !prereleaseBlocked(v, c) && cmp >= 0;
    case '<=':
    case '=<':
      if (prereleaseBlocked(v, c)) return false;
      if (!c.dirty) return cmp <= 0;
      if (v.major !== c.con.major) return v.major < c.con.major;
      return c.minorDirty || v.minor <= c.con.minor;
    case '~':
    case '~>':
      return tilde(v, c);
    case '^':
      return caret(v, c);
    default:
      return false;
  }
}

const constraintToken =
  /^\s*(!=|>=|=>|<=|=<|~>|[=<>~^])?\s*(v?[0-9xX*]+(?:\.[0-9xX*]+)?(?:\.[0-9xX*]+)?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\s*,?/;

/**
 * Masterminds' `NewConstraint`: `||`-separated groups of space- or comma-separated comparisons,
 * with hyphen ranges.
 * @throws Error on syntax it does not accept.
 */
function parseConstraints(fn: string, text: string): Constraint[][] {
  return text.split('||').map((groupText) => {
    let rest = groupText
      .trim()
      .replace(/(\S+)\s+-\s+(\S+)/g, (_m, low: string, high: string) => `>= ${low}, <= ${high}`);
    const group: Constraint[] = [];
    while (rest.trim() !== '') {
      const m = constraintToken.exec(rest);
      if (!m) throw new Error(`${fn}: invalid constraint ${JSON.stringify(text)}`);
      group.push(parseConstraintVersion(fn, m[1] ?? '', m[2] ?? ''));
      rest = rest.slice(m[0].length);
    }
    if (group.length === 0) throw new Error(`${fn}: empty constraint in ${JSON.stringify(text)}`);
    return group;
  });
}

function semverCompare(constraint: unknown, version: unknown): boolean {
  const groups = parseConstraints(
    'semverCompare',
    strArg('semverCompare', 'constraint', constraint),
  );
  const v = parseVersion('semverCompare', strArg('semverCompare', 'version', version));
  return groups.some((group) => group.every((c) => check(v, c)));
}

function semver(text: unknown): Dict {
  const v = parseVersion('semver', strArg('semver', 'version', text));
  const out = newDict();
  out['Major'] = v.major;
  out['Minor'] = v.minor;
  out['Patch'] = v.patch;
  out['Prerelease'] = v.prerelease;
  out['Metadata'] = v.metadata;
  out['Original'] = v.original;
  return out;
}

export const semverFunctions: readonly TemplateFunction[] = [
  {
    name: 'semver',
    filterSignature: 's | semver',
    globalSignature: 'semver(s)',
    meaning:
      "Parses a semantic version into a dict with Major, Minor, Patch, Prerelease, Metadata and Original; Sprig's `.Compare` method is not available (functions are not values), use `semverCompare`.",
    example:
      '{% set v = semver("1.2.3-alpha.1+123") %}{{ v.Major }} {{ v.Minor }} {{ v.Patch }} {{ v.Prerelease }} {{ v.Metadata }}',
    expected: '1 2 3 alpha.1 123',
    filter: semver,
    global: semver,
  },
  {
    name: 'semverCompare',
    filterSignature: 'version | semverCompare(constraint)',
    globalSignature: 'semverCompare(constraint, version)',
    meaning:
      'True when the version satisfies the Masterminds constraint (`=`, `!=`, `>`, `<`, `>=`, `<=`, `~`, `^`, wildcards, hyphen ranges, `,` and `||`); prereleases only match constraints with a prerelease.',
    example: '{{ semverCompare("1.2.3", "1.2.3") }} {{ "1.2.3" | semverCompare("^1.2.0") }}',
    expected: 'true true',
    filter: pipedLast(semverCompare),
    global: semverCompare,
  },
];
