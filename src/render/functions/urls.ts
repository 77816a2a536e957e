// URL functions (Sprig's url.md) with Go's net/url shapes, plus Go templates' `urlquery`.

import type { TemplateFunction } from '../template-function.js';
import { dictArg, newDict, ownValue, strArg, toGoString, type Dict } from './values.js';

function unescape(fn: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (err: unknown) {
    throw new Error(`${fn}: invalid percent-encoding in ${JSON.stringify(text)}`, { cause: err });
  }
}

/** Percent-encodes every UTF-8 byte of the characters `keep` does not accept (uppercase hex). */
function escape(text: string, keep: RegExp): string {
  let out = '';
  for (const ch of text) {
    if (keep.test(ch)) out += ch;
    else
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Go's `url.Parse` for the parts Sprig reports.
 * @throws Error on invalid percent-encoding.
 */
function urlParse(value: unknown): Dict {
  let rest = strArg('urlParse', 'url', value);
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = unescape('urlParse', rest.slice(hash + 1));
    rest = rest.slice(0, hash);
  }
  let scheme = '';
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (schemeMatch) {
    scheme = (schemeMatch[1] ?? '').toLowerCase();
    rest = rest.slice(schemeMatch[0].length);
  }
  let query = '';
  const question = rest.indexOf('?');
  if (question >= 0) {
    query = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  let opaque = '';
  let host = '';
  let userinfo = '';
  let path = '';
  if (scheme !== '' && !rest.startsWith('/')) {
    opaque = rest;
  } else {
    if (rest.startsWith('//')) {
      const slash = rest.indexOf('/', 2);
      const authority = slash >= 0 ? rest.slice(2, slash) : rest.slice(2);
      rest = slash >= 0 ? rest.slice(slash) : '';
      const at = authority.lastIndexOf('@');
      userinfo = at >= 0 ? authority.slice(0, at) : '';
      host = at >= 0 ? authority.slice(at + 1) : authority;
    }
    path = unescape('urlParse', rest);
  }
  const hostname = host.startsWith('[')
    ? host.slice(1, Math.max(host.indexOf(']'), 1))
    : host.replace(/:\d*$/, '');
  const out = newDict();
  out['scheme'] = scheme;
  out['host'] = host;
  out['hostname'] = hostname;
  out['path'] = path;
  out['query'] = query;
  out['opaque'] = opaque;
  out['fragment'] = fragment;
  out['userinfo'] = userinfo;
  return out;
}

/** Go's `url.URL.String()` over the dict `urlParse` produces. */
function urlJoin(value: unknown): string {
  const d = dictArg('urlJoin', value);
  const part = (key: string) => toGoString(ownValue(d, key));
  const scheme = part('scheme');
  const opaque = part('opaque');
  const host = part('host');
  const userinfo = part('userinfo');
  const path = part('path');
  const query = part('query');
  const fragment = part('fragment');
  let out = '';
  if (opaque !== '') {
    out = `${scheme}:${opaque}`;
  } else {
    if (scheme !== '') out += `${scheme}:`;
    if (scheme !== '' || host !== '' || userinfo !== '') {
      if (host !== '' || path !== '' || userinfo !== '') out += '//';
      if (userinfo !== '') out += `${userinfo}@`;
      out += host;
    }
    const escapedPath = escape(path, /[A-Za-z0-9\-_.~$&+,/:;=@]/);
    if (escapedPath !== '' && !escapedPath.startsWith('/') && host !== '') out += '/';
    out += escapedPath;
  }
  if (query !== '') out += `?${query}`;
  if (fragment !== '') out += `#${escape(fragment, /[A-Za-z0-9\-_.~$&+,/:;=?@!()*]/)}`;
  return out;
}

/** Go's `url.QueryEscape` of the arguments printed together (Go templates' `urlquery`). */
function urlquery(...values: unknown[]): string {
  return escape(values.map((v) => toGoString(v)).join(''), /[A-Za-z0-9\-_.~ ]/).replaceAll(
    ' ',
    '+',
  );
}

export const urlFunctions: readonly TemplateFunction[] = [
  {
    name: 'urlParse',
    filterSignature: 'url | urlParse',
    globalSignature: 'urlParse(url)',
    meaning:
      'Parses a URL into a dict: scheme, host, hostname, path, query, opaque, fragment, userinfo.',
    example:
      '{% set u = urlParse("http://admin:secret@server.com:8080/api?list=false#anchor") %}{{ u.scheme }} {{ u.host }} {{ u.path }} {{ u.query }} {{ u.fragment }} {{ u.userinfo }}',
    expected: 'http server.com:8080 /api list=false anchor admin:secret',
    filter: urlParse,
    global: urlParse,
  },
  {
    name: 'urlJoin',
    filterSignature: 'dict | urlJoin',
    globalSignature: 'urlJoin(dict)',
    meaning: 'Builds a URL string from a dict shaped like the one `urlParse` returns.',
    // Sprig's docs print the scheme as "proto", a typo for the "http" the dict holds.
    example:
      '{{ urlJoin(dict("fragment", "fragment", "host", "host:80", "path", "/path", "query", "query", "scheme", "http")) }}',
    expected: 'http://host:80/path?query#fragment',
    filter: urlJoin,
    global: urlJoin,
  },
  {
    name: 'urlquery',
    filterSignature: 'v | urlquery(...more)',
    globalSignature: 'urlquery(...values)',
    meaning:
      'Escapes the values, printed together, for a URL query (space as `+`). Go template built-in, not Sprig.',
    example: '{{ "a b&c=d/é" | urlquery }}',
    expected: 'a+b%26c%3Dd%2F%C3%A9',
    filter: urlquery,
    global: urlquery,
  },
];
