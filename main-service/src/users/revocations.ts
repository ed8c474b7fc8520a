import type { DataSource, EntityManager } from 'typeorm';
import { affectedRows, AppError, isPersonRole, type Identity, type Logger } from '@catalogue/shared';

interface Revocation {
  tokenVersion: number;
  disabled: boolean;
}

/** Rows changed this long before the newest one seen are read again: a slow commit is never missed. */
const OVERLAP_MS = 120_000;
/** And now and then the whole table, whatever the clocks did. */
const FULL_RELOAD_EVERY = 300;

export const tokenRevoked = () =>
  new AppError(401, 'token_revoked', 'this token is no longer valid (the account was disabled or its role changed); sign in again');

/**
 * Users admin disabled or whose role it changed (its `user_changed` events, applied by this
 * service's consumer to `user_revocations`), held in memory by every API process and refreshed
 * every `refreshMs` from the table, so consumer processes and API processes need not be the same.
 * A token whose `ver` is below the user's token version, or any token of a disabled user, is
 * refused: within `refreshMs` of the event being applied.
 */
export class RevokedUsers {
  private readonly byUser = new Map<string, Revocation>();
  private newest: Date | undefined;
  private loaded: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshes = 0;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    private readonly refreshMs = 1000,
  ) {}

  /** Throws 401 token_revoked for a revoked token. The first call loads the table (and starts the refresh). */
  async assertCurrent(identity: Identity): Promise<void> {
    if (!isPersonRole(identity.role)) return;
    await this.ready();
    const revocation = this.byUser.get(identity.subject);
    if (revocation && (revocation.disabled || identity.tokenVersion < revocation.tokenVersion)) throw tokenRevoked();
  }

  /** Loaded once before any answer; a failed first load (database down) is tried again by the next request. */
  ready(): Promise<void> {
    this.loaded ??= this.refresh().then(
      () => this.schedule(),
      (err: unknown) => {
        this.loaded = undefined;
        throw err;
      },
    );
    return this.loaded;
  }

  /** Applies a user_changed event inside the consumer's transaction (the inbox makes it once). */
  static async apply(tx: EntityManager, change: { userId: string; tokenVersion: number; disabled: boolean }): Promise<void> {
    // Two portable statements rather than MySQL-deprecated VALUES() in ON DUPLICATE KEY UPDATE; a
    // later version always wins, so events applied out of order end in the newest state.
    const inserted: unknown = await tx.query(
      'INSERT IGNORE INTO user_revocations (user_id, token_version, disabled, changed_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))',
      [change.userId, change.tokenVersion, change.disabled ? 1 : 0],
    );
    if (affectedRows(inserted) === 1) return;
    await tx.query(
      'UPDATE user_revocations SET token_version = ?, disabled = ?, changed_at = UTC_TIMESTAMP(3) WHERE user_id = ? AND token_version < ?',
      [change.tokenVersion, change.disabled ? 1 : 0, change.userId, change.tokenVersion],
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.refresh()
        .catch((err: unknown) => this.logger.warn({ err }, 'could not refresh revoked users; keeping the last known'))
        .finally(() => this.schedule());
    }, this.refreshMs);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    const full = this.newest === undefined || ++this.refreshes % FULL_RELOAD_EVERY === 0;
    const since = full ? new Date(0) : new Date(this.newest!.getTime() - OVERLAP_MS);
    const rows: { user_id: string; token_version: number; disabled: number; changed_at: Date }[] = await this.dataSource.query(
      'SELECT user_id, token_version, disabled, changed_at FROM user_revocations WHERE changed_at >= ?',
      [since],
    );
    for (const row of rows) {
      const current = this.byUser.get(row.user_id);
      const tokenVersion = Number(row.token_version);
      if (!current || tokenVersion >= current.tokenVersion)
        this.byUser.set(row.user_id, { tokenVersion, disabled: Boolean(Number(row.disabled)) });
      if (!this.newest || row.changed_at > this.newest) this.newest = row.changed_at;
    }
    this.newest ??= new Date(0);
  }
}
