/**
 * Identities of bearer tokens already verified, keyed by the whole token (signature included, so
 * only the exact same token hits). Clients send the same token with many requests, and verifying
 * a signature through WebCrypto costs more than the rest of a like in this process. An entry lives
 * until the token expires or `maxAgeMs`, whichever comes first.
 */
export class VerifiedTokens<V = string> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = 60_000,
  ) {}

  get(token: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  /** `expiresAt`: the token's `exp` in seconds, when it has one. */
  remember(token: string, value: V, expiresAt: number | undefined, now = Date.now()): void {
    const until = Math.min(now + this.maxAgeMs, expiresAt === undefined ? Infinity : expiresAt * 1000);
    if (until <= now) return;
    // Oldest first out: a Map iterates in insertion order.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { value, until });
  }
}
