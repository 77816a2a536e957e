// Field paths as people read them in errors: `spec.template.spec.containers[0].image`.

const identifier = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `base.key`, or `base["odd/key"]` when the key is not a plain identifier. */
export const pathKey = (base: string, key: string): string => {
  if (identifier.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
};

/** `base[index]`. */
export const pathIndex = (base: string, index: number): string => `${base}[${index}]`;
