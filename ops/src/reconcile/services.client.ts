import { z } from 'zod';
import {
  adminSnapshotRowSchema,
  mainSnapshotRowSchema,
  snapshotPageSchema,
  type AdminSnapshotRow,
  type MainSnapshotRow,
} from '@catalogue/shared';

/** Both services' internal (staff-only) endpoints that reconciliation reads and repairs through. */
export class ServicesClient {
  constructor(
    private readonly mainUrl: string,
    private readonly adminUrl: string,
    private readonly timeoutMs: number,
    /** Staff bearer token: the /internal routes are staff-only. */
    private readonly token?: string,
  ) {}

  adminSnapshot(): Promise<AdminSnapshotRow[]> {
    return this.allPages(this.adminUrl, 'admin', snapshotPageSchema(adminSnapshotRowSchema)) as Promise<AdminSnapshotRow[]>;
  }

  mainSnapshot(): Promise<MainSnapshotRow[]> {
    return this.allPages(this.mainUrl, 'main', snapshotPageSchema(mainSnapshotRowSchema));
  }

  async announceProduct(productId: number, atLeastVersion: number): Promise<void> {
    await this.call(this.adminUrl, 'admin', `/internal/products/${productId}/announce`, {
      method: 'POST',
      body: JSON.stringify({ atLeastVersion }),
    });
  }

  /** Returns how many likes main put back in its outbox. */
  async announceLikes(productId: number): Promise<number> {
    const body = await this.call(this.mainUrl, 'main', `/internal/products/${productId}/likes/announce`, { method: 'POST' });
    return z.object({ announced: z.number().int().min(0) }).parse(body).announced;
  }

  private async allPages<T>(base: string, service: string, schema: z.ZodType<{ items: T[]; next: number | null }>): Promise<T[]> {
    const rows: T[] = [];
    let after = 0;
    for (;;) {
      const body = await this.call(base, service, `/internal/products/snapshot?after=${after}&limit=1000`, { method: 'GET' });
      const parsed = schema.safeParse(body);
      if (!parsed.success)
        throw new Error(
          `${service}'s snapshot is off contract: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
        );
      rows.push(...parsed.data.items);
      if (parsed.data.next === null) return rows;
      after = parsed.data.next;
    }
  }

  private async call(base: string, service: string, path: string, init: { method: string; body?: string }): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        ...init,
        headers: {
          accept: 'application/json',
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new Error(`${service} at ${new URL(base).origin} is unreachable: ${(err as Error).message}`, { cause: err });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const code = (body as { code?: string } | undefined)?.code ?? 'no error body';
      throw new Error(`${service} answered ${response.status} (${code}) to ${init.method} ${path.split('?')[0]}`);
    }
    return body;
  }
}
