// Bounds that keep one template from exhausting a worker: checked before anything is allocated.

export const renderLimits = {
  /** Most elements `range`, `seq`, `until` and friends may produce. */
  maxSequenceLength: 100_000,
  /** Longest string a function may build (`repeat`, `indent`, `join`, padding…), in characters. */
  maxStringLength: 1_048_576,
  /** Most output one node may render, summed over all its leaves, in bytes. */
  maxOutputBytesPerNode: 4_194_304,
  /** Longest wall time one node's render may take, in milliseconds. */
  maxRenderMillisPerNode: 2_000,
} as const;
