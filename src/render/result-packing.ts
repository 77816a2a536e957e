// Moves a batch's results between threads cheaply: all manifest text in one transferred buffer.

import type { NodeRenderResult, RenderIssue, RenderedManifest } from './render-types.js';

/*
 * Copying tens of megabytes of JSON and hundreds of thousands of small strings back to the main
 * thread, and keeping them on its heap, makes the main thread's garbage collector the bottleneck
 * of the pool and stalls its event loop. Instead every text field of every manifest goes into
 * one ArrayBuffer per batch, transferred without a copy and held off the heap; a manifest is a
 * small view that decodes a field when it is read (an unchanged hash never needs the JSON: N13).
 */

/** The text fields of a manifest, in index order. */
const textFields = ['id', 'apiVersion', 'kind', 'name', 'namespace', 'hash', 'json'] as const;
type TextField = (typeof textFields)[number];
/** Per manifest: offset and length of each text field (length -1 = absent), then the scope. */
const stride = textFields.length * 2 + 1;

type PackedResult =
  | {
      readonly ok: true;
      /** Index of the node's first manifest in the batch, and how many it has. */
      readonly first: number;
      readonly count: number;
      readonly errors: readonly RenderIssue[];
    }
  | { readonly ok: false; readonly errors: readonly RenderIssue[] };

/** A batch's results as they cross from a worker to the pool. */
export interface PackedBatch {
  readonly results: readonly PackedResult[];
  /** UTF-8 text of every field; transfer it. */
  readonly bytes: ArrayBuffer;
  /** `stride` int32s per manifest; transfer it. */
  readonly index: ArrayBuffer;
}

/** Packs results; `bytes` and `index` should be transferred, not copied. */
export const packResults = (results: readonly NodeRenderResult[]): PackedBatch => {
  let size = 0;
  let manifests = 0;
  for (const result of results) {
    if (!result.ok) continue;
    for (const m of result.manifests) {
      manifests += 1;
      for (const field of textFields) {
        const text = m[field];
        if (text !== undefined) size += Buffer.byteLength(text);
      }
    }
  }
  const bytes = new ArrayBuffer(size);
  const buffer = Buffer.from(bytes);
  const index = new Int32Array(manifests * stride);
  let offset = 0;
  let slot = 0;
  const packed = results.map((result): PackedResult => {
    if (!result.ok) return result;
    const first = slot / stride;
    for (const m of result.manifests) {
      textFields.forEach((field, f) => {
        const text = m[field];
        if (text === undefined) {
          index[slot + 2 * f] = 0;
          index[slot + 2 * f + 1] = -1;
          return;
        }
        const length = buffer.write(text, offset);
        index[slot + 2 * f] = offset;
        index[slot + 2 * f + 1] = length;
        offset += length;
      });
      index[slot + stride - 1] = m.namespaced ? 1 : 0;
      slot += stride;
    }
    return { ok: true, first, count: result.manifests.length, errors: result.errors };
  });
  return { results: packed, bytes, index: index.buffer };
};

interface BatchData {
  readonly buffer: Buffer;
  readonly index: Int32Array;
}

const read = (batch: BatchData, slot: number, field: TextField): string | undefined => {
  const f = textFields.indexOf(field);
  const offset = batch.index[slot + 2 * f] ?? 0;
  const length = batch.index[slot + 2 * f + 1] ?? -1;
  return length < 0 ? undefined : batch.buffer.toString('utf8', offset, offset + length);
};

/** A rendered manifest whose text stays in the batch buffer until read. */
class ManifestView implements RenderedManifest {
  readonly #batch: BatchData;
  readonly #slot: number;
  #json: string | undefined;

  constructor(batch: BatchData, slot: number) {
    this.#batch = batch;
    this.#slot = slot;
  }

  get id(): string {
    return read(this.#batch, this.#slot, 'id') ?? '';
  }
  get apiVersion(): string {
    return read(this.#batch, this.#slot, 'apiVersion') ?? '';
  }
  get kind(): string {
    return read(this.#batch, this.#slot, 'kind') ?? '';
  }
  get name(): string {
    return read(this.#batch, this.#slot, 'name') ?? '';
  }
  get namespace(): string | undefined {
    return read(this.#batch, this.#slot, 'namespace');
  }
  get namespaced(): boolean {
    return this.#batch.index[this.#slot + stride - 1] === 1;
  }
  get hash(): string {
    return read(this.#batch, this.#slot, 'hash') ?? '';
  }
  get json(): string {
    this.#json ??= read(this.#batch, this.#slot, 'json') ?? '';
    return this.#json;
  }
}

/** The results of a packed batch; manifests decode their fields when read. */
export const unpackResults = (packed: PackedBatch): NodeRenderResult[] => {
  const batch: BatchData = {
    buffer: Buffer.from(packed.bytes),
    index: new Int32Array(packed.index),
  };
  return packed.results.map((result): NodeRenderResult => {
    if (!result.ok) return result;
    const manifests: RenderedManifest[] = [];
    for (let i = 0; i < result.count; i += 1) {
      manifests.push(new ManifestView(batch, (result.first + i) * stride));
    }
    return { ok: true, manifests, errors: result.errors };
  });
};
