// Path functions (Sprig's paths.md) with Go's `path` semantics; the `os*` forms are the same on Linux.

import type { TemplateFunction } from '../template-function.js';
import { strArg } from './values.js';

/** Go's `path.Clean`: lexical, no file system access. */
function clean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(segment);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

function base(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

function dir(p: string): string {
  return clean(p.slice(0, p.lastIndexOf('/') + 1));
}

function ext(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) if (p[i] === '.') return p.slice(i);
  return '';
}

function isAbs(p: string): boolean {
  return p.startsWith('/');
}

const osNote = ' Lynq runs on Linux, so this is the same as the `path` form.';

function entries(prefix: '' | 'os'): TemplateFunction[] {
  const n = (name: string) =>
    prefix === '' ? name : `os${name.slice(0, 1).toUpperCase()}${name.slice(1)}`;
  const note = prefix === '' ? '' : osNote;
  const wrap = (fn: (p: string) => unknown, name: string) => (p: unknown) =>
    fn(strArg(name, 'path', p));
  return [
    {
      name: n('base'),
      filterSignature: `path | ${n('base')}`,
      globalSignature: `${n('base')}(path)`,
      meaning: `The last element of the path.${note}`,
      example: `{{ "foo/bar/baz" | ${n('base')} }}`,
      expected: 'baz',
      filter: wrap(base, n('base')),
      global: wrap(base, n('base')),
    },
    {
      name: n('dir'),
      filterSignature: `path | ${n('dir')}`,
      globalSignature: `${n('dir')}(path)`,
      meaning: `The path without its last element.${note}`,
      example: `{{ "foo/bar/baz" | ${n('dir')} }}`,
      expected: 'foo/bar',
      filter: wrap(dir, n('dir')),
      global: wrap(dir, n('dir')),
    },
    {
      name: n('clean'),
      filterSignature: `path | ${n('clean')}`,
      globalSignature: `${n('clean')}(path)`,
      meaning: `The shortest equivalent path: \`.\` and \`..\` resolved, double slashes removed.${note}`,
      example: `{{ "foo/bar/../baz" | ${n('clean')} }}`,
      expected: 'foo/baz',
      filter: wrap(clean, n('clean')),
      global: wrap(clean, n('clean')),
    },
    {
      name: n('ext'),
      filterSignature: `path | ${n('ext')}`,
      globalSignature: `${n('ext')}(path)`,
      meaning: `The file extension, dot included, or "".${note}`,
      example: `{{ "foo.bar" | ${n('ext')} }}`,
      expected: '.bar',
      filter: wrap(ext, n('ext')),
      global: wrap(ext, n('ext')),
    },
    {
      name: n('isAbs'),
      filterSignature: `path | ${n('isAbs')}`,
      globalSignature: `${n('isAbs')}(path)`,
      meaning: `True when the path starts with \`/\`.${note}`,
      example: `{{ "/etc/config" | ${n('isAbs')} }}`,
      expected: 'true',
      filter: wrap(isAbs, n('isAbs')),
      global: wrap(isAbs, n('isAbs')),
    },
  ];
}

export const pathFunctions: readonly TemplateFunction[] = [...entries(''), ...entries('os')];
