import type { Logger } from '../logging/logger';
import { credentialEvents, type SecretKind } from '../observability/credential-events';
import { SecretError } from './secrets';

/** A credential that may change while the process runs; `refresh` asks for the latest. */
export interface CredentialSource<T> {
  /** The last value read successfully. */
  readonly current: T;
  /** True when refresh can ever give something new (false for values from the environment). */
  readonly refreshable: boolean;
  /** The latest value; never throws (a failed read keeps the last value). */
  refresh(): Promise<T>;
  close(): void;
}

/** A value from configuration: it only changes with a restart. */
export class FixedCredential<T> implements CredentialSource<T> {
  readonly refreshable = false;
  constructor(readonly current: T) {}
  refresh(): Promise<T> {
    return Promise.resolve(this.current);
  }
  close(): void {}
}

export interface RefreshingSecretOptions<T> {
  /** The metrics label of this secret. */
  kind: SecretKind;
  /** Reads and parses the secret; throws SecretError (which names the secret, never its contents). */
  read: () => Promise<T>;
  same: (a: T, b: T) => boolean;
  /** Two reads are never closer than this, whoever asks: many failing connections cause one read. */
  minIntervalMs: number;
  logger: Logger;
  close?: () => void;
  now?: () => number;
}

/**
 * A secret read once at start (errors stop the start) and again on request: concurrent requests
 * share one read, reads are at least `minIntervalMs` apart (a request inside that interval gets
 * the last value), and a failed read keeps the last good value, so an unreachable Secrets Manager
 * never takes away credentials that still work.
 */
export class RefreshingSecret<T> implements CredentialSource<T> {
  readonly refreshable = true;
  private value: T;
  private lastReadAt: number;
  private pending?: Promise<T>;

  private constructor(
    private readonly options: RefreshingSecretOptions<T>,
    first: T,
  ) {
    this.value = first;
    this.lastReadAt = this.now();
  }

  static async load<T>(options: RefreshingSecretOptions<T>): Promise<RefreshingSecret<T>> {
    try {
      const first = await options.read();
      credentialEvents.secretRead(options.kind, 'ok');
      return new RefreshingSecret(options, first);
    } catch (err) {
      credentialEvents.secretRead(options.kind, 'error');
      options.close?.();
      throw err;
    }
  }

  get current(): T {
    return this.value;
  }

  refresh(): Promise<T> {
    if (this.pending) return this.pending;
    if (this.now() - this.lastReadAt < this.options.minIntervalMs) return Promise.resolve(this.value);
    this.pending = this.readAgain().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  close(): void {
    this.options.close?.();
  }

  private async readAgain(): Promise<T> {
    this.lastReadAt = this.now();
    try {
      const next = await this.options.read();
      credentialEvents.secretRead(this.options.kind, 'ok');
      // An unchanged value keeps its identity, so holders can tell a change by comparing references.
      if (!this.options.same(next, this.value)) {
        credentialEvents.changed(this.options.kind);
        this.options.logger.info({ secret: this.options.kind }, 'the secret has a new value');
        this.value = next;
      }
    } catch (err) {
      credentialEvents.secretRead(this.options.kind, 'error');
      // SecretError messages name the secret id and the SDK's error name only; anything else, by name.
      const reason = err instanceof SecretError ? err.message : err instanceof Error ? err.name : 'unknown error';
      this.options.logger.warn({ secret: this.options.kind, reason }, 'could not read the secret again; keeping the value in use');
    }
    return this.value;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
