import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';

interface Entry {
  hits: number;
  /** Epoch ms when this key's window ends. */
  resetTime: number;
}

/**
 * A limiter's counters in this process, holding at most `maxEntries` keys: express-rate-limit's
 * own memory store keeps every key it saw in a window, so clients who send a new key each time
 * (a unique email per sign-in) could grow the heap for as long as the window lasts.
 *
 * Every window has the same length and starts when its key is first counted, so the Map's order
 * (insertion) is also the order in which windows end: expired keys are dropped from the front,
 * and when the store is full the key whose window ends soonest goes first, the one whose count
 * would have been forgotten next anyway.
 */
export class BoundedMemoryStore implements Store {
  readonly localKeys = true;
  private readonly entries = new Map<string, Entry>();
  private windowMs = 60_000;
  /** Keys dropped to stay within the bound before their window ended. */
  evicted = 0;

  constructor(
    readonly prefix: string,
    readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error('maxEntries must be a positive integer');
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  /** Keys held now (at most `maxEntries`). */
  get size(): number {
    return this.entries.size;
  }

  /** The longest key held, in characters. */
  longestKey(): number {
    let longest = 0;
    for (const key of this.entries.keys()) longest = Math.max(longest, key.length);
    return longest;
  }

  get(key: string): ClientRateLimitInfo | undefined {
    const entry = this.live(key);
    return entry && { totalHits: entry.hits, resetTime: new Date(entry.resetTime) };
  }

  increment(key: string): ClientRateLimitInfo {
    this.dropExpired();
    let entry = this.live(key);
    if (!entry) {
      entry = { hits: 0, resetTime: this.now() + this.windowMs };
      this.entries.set(key, entry);
      this.dropOverflow();
    }
    entry.hits++;
    return { totalHits: entry.hits, resetTime: new Date(entry.resetTime) };
  }

  decrement(key: string): void {
    const entry = this.live(key);
    if (!entry) return;
    entry.hits--;
    // A key back at zero (a sign-in that succeeded) holds no memory.
    if (entry.hits <= 0) this.entries.delete(key);
  }

  resetKey(key: string): void {
    this.entries.delete(key);
  }

  resetAll(): void {
    this.entries.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.resetTime <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.resetTime > now) return;
      this.entries.delete(key);
    }
  }

  private dropOverflow(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) return;
      this.entries.delete(key);
      this.evicted++;
    }
  }
}
