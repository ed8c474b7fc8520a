/**
 * A short-lived cache of list pages. The public list is read far more often than it changes, and
 * each read costs a database round trip that the database, not this process, bounds. Concurrent
 * misses for one page share one query. Its owner clears it on every change: at once for changes
 * committed in this process, through the change feed for changes committed elsewhere (another
 * replica's likes, the consumer in its own process); `ttlMs` is only the backstop.
 */
export class PageCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    const value = load();
    // Keys come from validated numbers, but bound the map anyway.
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, expires: now + this.ttlMs });
    // A failed load is not kept.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
