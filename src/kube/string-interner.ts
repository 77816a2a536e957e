// One copy of each repeated string (namespaces, label values, condition texts): JSON parsing makes a new copy per object, and caches of 10,000 objects hold each many times.

/**
 * Returns `intern(value)`: an equal string, the same instance for equal values. Holds at most
 * `capacity` strings and starts afresh when full, so strings that never repeat (timestamps,
 * names) cannot make it grow without bound.
 */
export const createStringInterner = (capacity = 4_096): ((value: string) => string) => {
  let known = new Map<string, string>();
  return (value) => {
    const found = known.get(value);
    if (found !== undefined) return found;
    if (known.size >= capacity) known = new Map();
    known.set(value, value);
    return value;
  };
};
