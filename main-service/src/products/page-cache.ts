export interface PageCacheOptions<V> {
  /** How long a page may be served from memory; 0 or less turns the cache off. */
  ttlMs: number;
  /** Budget for the pages held at once, in approximate bytes (see `sizeOf`). */
  maxBytes?: number;
  /** A count bound as well, so many tiny pages cannot make the map itself large. */
  maxEntries?: number;
  /** Approximate size of a loaded value; the key is counted on top. */
  sizeOf?: (value: V) => number;
  /** The clock (tests). */
  now?: () => number;
}

interface Entry<V> {
  value: Promise<V>;
  expires: number;
  /** 0 until the value has loaded and been measured. */
  bytes: number;
}

export const PAGE_CACHE_DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/**
 * A short-lived cache of list pages. The public list is read far more often than it changes, and
 * each read costs a database round trip that the database, not this process, bounds. Concurrent
 * misses for one page share one query. Its owner clears it on every change: at once for changes
 * committed in this process, through the change feed for changes committed elsewhere (another
 * replica's likes, the consumer in its own process); `ttlMs` is only the backstop.
 *
 * Anyone can ask for pages (random search words defeat the cache), so what it holds is bounded by
 * bytes, not only by count: a page of 500 products is a few hundred kilobytes. Every entry lives
 * the same `ttlMs`, so the map's insertion order is also expiry order: expired entries are dropped
 * from the front as new ones arrive, and when the budget is exceeded the oldest go first.
 */
export class PageCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly ttlMs: number;
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly sizeOf: (value: V) => number;
  private readonly now: () => number;
  private heldBytes = 0;

  constructor(options: PageCacheOptions<V>) {
    this.ttlMs = options.ttlMs;
    this.maxBytes = options.maxBytes ?? PAGE_CACHE_DEFAULT_MAX_BYTES;
    this.maxEntries = options.maxEntries ?? 1000;
    this.sizeOf = options.sizeOf ?? (() => 0);
    this.now = options.now ?? Date.now;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const now = this.now();
    this.dropExpired(now);
    const hit = this.entries.get(key);
    if (hit) return hit.value;
    const value = load();
    const entry: Entry<V> = { value, expires: now + this.ttlMs, bytes: 0 };
    this.entries.set(key, entry);
    this.evictOver(this.maxEntries, this.maxBytes);
    value.then(
      (loaded) => {
        // Cleared or replaced while loading: nothing of it is held.
        if (this.entries.get(key) !== entry) return;
        entry.bytes = key.length + Math.max(0, this.sizeOf(loaded));
        this.heldBytes += entry.bytes;
        // A page bigger than the whole budget is served, never kept.
        if (entry.bytes > this.maxBytes) this.remove(key, entry);
        this.evictOver(this.maxEntries, this.maxBytes);
      },
      // A failed load is not kept.
      () => this.remove(key, entry),
    );
    return value;
  }

  /** Whether `get` would answer this key from memory now. */
  has(key: string): boolean {
    if (this.ttlMs <= 0) return false;
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expires > this.now();
  }

  clear(): void {
    this.entries.clear();
    this.heldBytes = 0;
  }

  /** What is held now: pages, and their approximate bytes (metrics, tests). */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.heldBytes };
  }

  private dropExpired(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expires > now) break;
      this.remove(key, entry);
    }
  }

  /** Oldest first, until both bounds hold. */
  private evictOver(maxEntries: number, maxBytes: number): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= maxEntries && this.heldBytes <= maxBytes) break;
      this.remove(key, entry);
    }
  }

  private remove(key: string, entry: Entry<V>): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.heldBytes -= entry.bytes;
  }
}
