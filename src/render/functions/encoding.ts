// Encoding and hashing functions (Sprig's encoding.md, crypto.md): base64/32, digests, decryptAES.

import { createDecipheriv, createHash } from 'node:crypto';
import type { TemplateFunction } from '../template-function.js';
import { pipedLast } from './table-helpers.js';
import { strArg } from './values.js';

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function b64enc(s: unknown): string {
  return Buffer.from(strArg('b64enc', 'string', s), 'utf8').toString('base64');
}

/**
 * Strict standard base64 with padding, as Go's `StdEncoding` reads it.
 * @throws Error on malformed input (Sprig would return the Go error text as the value).
 */
function decodeBase64(fn: string, s: unknown): Buffer {
  const text = strArg(fn, 'string', s);
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new Error(`${fn}: illegal base64 data`);
  }
  return Buffer.from(text, 'base64');
}

function b64dec(s: unknown): string {
  return decodeBase64('b64dec', s).toString('utf8');
}

function b32enc(s: unknown): string {
  const bytes = Buffer.from(strArg('b32enc', 'string', s), 'utf8');
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31] ?? '';
      bits -= 5;
    }
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31] ?? '';
  return out + '='.repeat((8 - (out.length % 8)) % 8);
}

/**
 * Strict standard base32 with padding.
 * @throws Error on malformed input.
 */
function b32dec(s: unknown): string {
  const text = strArg('b32dec', 'string', s);
  if (text.length % 8 !== 0 || !/^[A-Z2-7]*=*$/.test(text)) {
    throw new Error('b32dec: illegal base32 data');
  }
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text.replace(/=+$/, '')) {
    value = ((value << 5) | base32Alphabet.indexOf(ch)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function digest(fn: string, algorithm: string) {
  return (s: unknown): string =>
    createHash(algorithm)
      .update(strArg(fn, 'string', s), 'utf8')
      .digest('hex');
}

function adler32sum(s: unknown): string {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(strArg('adler32sum', 'string', s), 'utf8')) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return String(((b << 16) | a) >>> 0);
}

/**
 * Sprig's `decryptAES`: AES-256-CBC, key = the password's bytes zero-padded to 32, the IV in the
 * first block, PKCS#7 padding. Deterministic, unlike `encryptAES` (random IV), which is excluded.
 * @throws Error on malformed input.
 */
function decryptAES(password: unknown, ciphertext: unknown): string {
  const text = strArg('decryptAES', 'ciphertext', ciphertext);
  if (text === '') return '';
  const data = decodeBase64('decryptAES', text);
  if (data.length < 32 || data.length % 16 !== 0) {
    throw new Error('decryptAES: ciphertext is not a whole number of AES blocks');
  }
  const key = Buffer.alloc(32);
  Buffer.from(strArg('decryptAES', 'password', password), 'utf8').copy(key, 0, 0, 32);
  const decipher = createDecipheriv('aes-256-cbc', key, data.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]);
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > 16) throw new Error('decryptAES: wrong password or corrupt ciphertext');
  return plain.subarray(0, plain.length - pad).toString('utf8');
}

// Sprig's documentation gives no digests or encodings as values; the expected outputs below were
// computed with coreutils (base64, base32, sha*sum), Python's zlib.adler32 and openssl, never by
// this code.
export const encodingFunctions: readonly TemplateFunction[] = [
  {
    name: 'b64enc',
    filterSignature: 's | b64enc',
    globalSignature: 'b64enc(s)',
    meaning: 'The UTF-8 bytes of the string in standard base64.',
    example: '{{ "Hello world!" | b64enc }}',
    expected: 'SGVsbG8gd29ybGQh',
    filter: b64enc,
    global: b64enc,
  },
  {
    name: 'b64dec',
    filterSignature: 's | b64dec',
    globalSignature: 'b64dec(s)',
    meaning:
      'Decodes standard base64 (padding required); fails the render on bad input, where Sprig would output the error text.',
    example: '{{ "SGVsbG8gd29ybGQh" | b64dec }}',
    expected: 'Hello world!',
    filter: b64dec,
    global: b64dec,
  },
  {
    name: 'b32enc',
    filterSignature: 's | b32enc',
    globalSignature: 'b32enc(s)',
    meaning: 'The UTF-8 bytes of the string in standard base32.',
    example: '{{ "Hello world!" | b32enc }}',
    expected: 'JBSWY3DPEB3W64TMMQQQ====',
    filter: b32enc,
    global: b32enc,
  },
  {
    name: 'b32dec',
    filterSignature: 's | b32dec',
    globalSignature: 'b32dec(s)',
    meaning: 'Decodes standard base32 (padding required); fails the render on bad input.',
    example: '{{ "JBSWY3DPEB3W64TMMQQQ====" | b32dec }}',
    expected: 'Hello world!',
    filter: b32dec,
    global: b32dec,
  },
  {
    name: 'sha1sum',
    filterSignature: 's | sha1sum',
    globalSignature: 'sha1sum(s)',
    meaning: 'The SHA-1 digest of the string, in hex.',
    example: '{{ "Hello world!" | sha1sum }}',
    expected: 'd3486ae9136e7856bc42212385ea797094475802',
    filter: digest('sha1sum', 'sha1'),
    global: digest('sha1sum', 'sha1'),
  },
  {
    name: 'sha256sum',
    filterSignature: 's | sha256sum',
    globalSignature: 'sha256sum(s)',
    meaning: 'The SHA-256 digest of the string, in hex.',
    example: '{{ "Hello world!" | sha256sum }}',
    expected: 'c0535e4be2b79ffd93291305436bf889314e4a3faec05ecffcbb7df31ad9e51a',
    filter: digest('sha256sum', 'sha256'),
    global: digest('sha256sum', 'sha256'),
  },
  {
    name: 'sha512sum',
    filterSignature: 's | sha512sum',
    globalSignature: 'sha512sum(s)',
    meaning: 'The SHA-512 digest of the string, in hex (Sprig 3.3).',
    example: '{{ "Hello world!" | sha512sum }}',
    expected:
      'f6cde2a0f819314cdde55fc227d8d7dae3d28cc556222a0a8ad66d91ccad4aad6094f517a2182360c9aacf6a3dc323162cb6fd8cdffedb0fe038f55e85ffb5b6',
    filter: digest('sha512sum', 'sha512'),
    global: digest('sha512sum', 'sha512'),
  },
  {
    name: 'adler32sum',
    filterSignature: 's | adler32sum',
    globalSignature: 'adler32sum(s)',
    meaning: 'The Adler-32 checksum of the string, in decimal.',
    example: '{{ "Hello world!" | adler32sum }}',
    expected: '487130206',
    filter: adler32sum,
    global: adler32sum,
  },
  {
    name: 'decryptAES',
    filterSignature: 'ciphertext | decryptAES(password)',
    globalSignature: 'decryptAES(password, ciphertext)',
    meaning:
      "Decrypts base64 AES-256-CBC text made by Sprig's `encryptAES` (the password zero-padded to 32 bytes).",
    example: '{{ "30tEfhuJSVRhpG97XCuWgz2okj7L8vQ1s6V9zVUPeDQ=" | decryptAES("secretkey") }}',
    expected: 'plaintext',
    filter: pipedLast(decryptAES),
    global: decryptAES,
  },
];
