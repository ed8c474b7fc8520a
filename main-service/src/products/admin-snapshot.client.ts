import {
  adminSnapshotRowSchema,
  snapshotPageSchema,
  type AdminSnapshotRow,
  type DependencyBreaker,
  type SnapshotPage,
} from '@catalogue/shared';

const pageSchema = snapshotPageSchema(adminSnapshotRowSchema);

/**
 * Admin's snapshot of every product (`GET /internal/products/snapshot`), one validated page at a
 * time, behind `breaker`: admin unreachable, too slow or answering 5xx counts as a failure; a
 * refusal (401, 403: a wrong or missing ADMIN_TOKEN) is an answer, reported as such.
 */
export class AdminSnapshotClient {
  constructor(
    private readonly baseUrl: string,
    private readonly breaker: DependencyBreaker,
    /** A snapshot-reader credential (ADMIN_TOKEN): the snapshot is internal, for staff and that credential only. */
    private readonly token?: string,
  ) {}

  async page(after: number, limit: number): Promise<SnapshotPage<AdminSnapshotRow>> {
    const url = new URL('/internal/products/snapshot', this.baseUrl);
    url.searchParams.set('after', String(after));
    url.searchParams.set('limit', String(limit));
    const answer = await this.breaker.execute(async (signal) => {
      const response = await fetch(url, {
        signal,
        headers: { accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      }).catch((err: unknown) => {
        throw new Error(`admin at ${url.origin} is unreachable: ${(err as Error).message}`);
      });
      if (response.status >= 500) throw new Error(`admin's snapshot answered ${response.status}`);
      return { status: response.status, body: response.status === 200 ? ((await response.json()) as unknown) : undefined };
    });
    if (answer.status !== 200) throw new Error(`admin's snapshot answered ${answer.status}`);
    const parsed = pageSchema.safeParse(answer.body);
    // A row off the contract stops the resync: applying part of a page we do not understand could hide drift.
    if (!parsed.success)
      throw new Error(
        `admin's snapshot is off contract: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
      );
    return parsed.data as SnapshotPage<AdminSnapshotRow>;
  }
}
