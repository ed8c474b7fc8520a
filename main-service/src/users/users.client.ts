import { z } from 'zod';
import { AppError, type DependencyBreaker } from '@catalogue/shared';

const userSchema = z.object({ id: z.union([z.number().int(), z.string().min(1)]) });

/**
 * Admin's `GET /api/user`, behind `breaker` (a timeout and a circuit breaker): when admin is down,
 * likes fail fast with a clear 503 instead of piling up behind a dead dependency.
 */
export class AdminUsersClient {
  constructor(
    private readonly baseUrl: string,
    private readonly breaker: DependencyBreaker,
  ) {}

  async randomUserId(): Promise<string> {
    let answer: { status: number; body: unknown };
    try {
      answer = await this.breaker.execute(async (signal) => {
        const response = await fetch(new URL('/api/user', this.baseUrl), { signal, headers: { accept: 'application/json' } });
        if (response.status >= 500) throw new Error(`admin answered ${response.status}`);
        return { status: response.status, body: await response.json().catch(() => undefined) };
      });
    } catch {
      throw AppError.unavailable('the admin service (which assigns users in development mode)');
    }
    if (answer.status === 404) throw new AppError(503, 'no_users', 'admin has no users yet; run the development seed');
    const parsed = userSchema.safeParse(answer.body);
    if (answer.status !== 200 || !parsed.success) throw AppError.unavailable('the admin service (it answered an unexpected user)');
    return String(parsed.data.id);
  }
}
