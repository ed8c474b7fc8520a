import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { DependencyBreaker } from '../http/dependency-breaker';
import { credentialEvents } from '../observability/credential-events';

export interface RemoteKeySetOptions {
  url: string;
  timeoutMs: number;
  /**
   * No two fetches closer than this, whatever asks: a flood of tokens with unknown `kid`s costs one
   * fetch per interval. After a failed fetch the next may come sooner (at most 5 s later).
   */
  cooldownMs: number;
  /** Keys older than this are fetched again before use; if that fails, the keys in hand stay in use. */
  maxAgeMs: number;
  /**
   * Times each fetch out and opens after repeated failures, so while admin is down a fetch fails at
   * once. The cooldown above still decides when a fetch is attempted at all; the breaker only makes
   * an attempt fail fast, and its state is a metric. Without one, each fetch has its own timeout.
   */
  breaker?: DependencyBreaker;
}

/** The JWKS could not be fetched and no keys are in hand: the caller answers 503, not 401. */
export class KeySetUnavailable extends Error {
  override name = 'KeySetUnavailable';
}

const FAILURE_RETRY_MS = 5000;

/**
 * Admin's public keys, fetched from its JWKS and kept. An unknown `kid` (admin rotated its key)
 * fetches again, at most once per cooldown. jose's createRemoteJWKSet does nearly this, but its
 * cooldown starts only after a successful fetch (while admin is down every unknown `kid` fetches)
 * and a fetch that fails once its cache is old fails verification even with the right key in
 * hand; here the limit counts every attempt and old keys stay usable until a fetch succeeds. jose
 * still picks the key (createLocalJWKSet).
 */
export class RemoteKeySet {
  private keys?: ReturnType<typeof createLocalJWKSet>;
  private kids = '';
  private fetchedAt = -Infinity;
  private attemptedAt = -Infinity;
  private lastAttemptFailed = false;
  private pending?: Promise<void>;

  constructor(private readonly options: RemoteKeySetOptions) {}

  /** For jose's jwtVerify. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.keys || Date.now() - this.fetchedAt >= this.options.maxAgeMs) await this.refresh();
    if (!this.keys) throw new KeySetUnavailable('no token signing keys could be fetched');
    try {
      return await this.keys(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey) || !this.mayFetch()) throw err;
      await this.refresh();
      return this.keys(header, token);
    }
  };

  /** Fetches unless the last attempt was too recent; concurrent callers share one fetch; never throws. */
  private refresh(): Promise<void> {
    if (this.pending) return this.pending;
    if (!this.mayFetch()) return Promise.resolve();
    this.pending = this.fetchKeys().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private mayFetch(): boolean {
    const wait = this.lastAttemptFailed ? Math.min(this.options.cooldownMs, FAILURE_RETRY_MS) : this.options.cooldownMs;
    return Date.now() - this.attemptedAt >= wait;
  }

  private async fetchKeys(): Promise<void> {
    this.attemptedAt = Date.now();
    try {
      const fetchKeySet = async (signal: AbortSignal): Promise<JSONWebKeySet> => {
        const response = await fetch(this.options.url, {
          signal,
          redirect: 'manual',
          headers: { accept: 'application/json, application/jwk-set+json' },
        });
        if (response.status !== 200) throw new KeySetUnavailable(`the JWKS answered ${response.status}`);
        return (await response.json()) as JSONWebKeySet;
      };
      const { breaker } = this.options;
      const jwks = breaker ? await breaker.execute(fetchKeySet) : await fetchKeySet(AbortSignal.timeout(this.options.timeoutMs));
      const keys = createLocalJWKSet(jwks);
      const kids = jwks.keys
        .map((key) => key.kid ?? '')
        .sort()
        .join(' ');
      if (this.keys && kids !== this.kids) credentialEvents.changed('jwks');
      this.keys = keys;
      this.kids = kids;
      this.fetchedAt = Date.now();
      this.lastAttemptFailed = false;
      credentialEvents.jwksFetched('ok');
    } catch {
      // Keys in hand stay in use; without any, verification answers 503 (KeySetUnavailable).
      this.lastAttemptFailed = true;
      credentialEvents.jwksFetched('error');
    }
  }
}
