/** A map that keeps at most `limit` entries, dropping the least recently used one first. */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly limit: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value stored under `key`, or the one `make` returns (nothing is stored when it throws). */
  getOrCreate(key: K, make: (key: K) => V): V {
    const found = this.entries.get(key);
    const value = found === undefined ? make(key) : found;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as K);
    return value;
  }
}
