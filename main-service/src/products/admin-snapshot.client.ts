import { timeout, TimeoutStrategy } from 'cockatiel';
import { adminSnapshotRowSchema, snapshotPageSchema, type AdminSnapshotRow, type SnapshotPage } from '@catalogue/shared';

const pageSchema = snapshotPageSchema(adminSnapshotRowSchema);

/** Admin's snapshot of every product (`GET /internal/products/snapshot`), one validated page at a time. */
export class AdminSnapshotClient {
  private readonly policy;

  constructor(
    private readonly baseUrl: string,
    timeoutMs: number,
    /** A snapshot-reader credential (ADMIN_TOKEN): the snapshot is internal, for staff and that credential only. */
    private readonly token?: string,
  ) {
    this.policy = timeout(timeoutMs, TimeoutStrategy.Aggressive);
  }

  async page(after: number, limit: number): Promise<SnapshotPage<AdminSnapshotRow>> {
    const url = new URL('/internal/products/snapshot', this.baseUrl);
    url.searchParams.set('after', String(after));
    url.searchParams.set('limit', String(limit));
    const body = await this.policy.execute(async ({ signal }) => {
      const response = await fetch(url, { signal, headers: { accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) } }).catch((err: unknown) => {
        throw new Error(`admin at ${url.origin} is unreachable: ${(err as Error).message}`);
      });
      if (response.status !== 200) throw new Error(`admin's snapshot answered ${response.status}`);
      return response.json() as Promise<unknown>;
    });
    const parsed = pageSchema.safeParse(body);
    // A row off the contract stops the resync: applying part of a page we do not understand could hide drift.
    if (!parsed.success) throw new Error(`admin's snapshot is off contract: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data as SnapshotPage<AdminSnapshotRow>;
  }
}
