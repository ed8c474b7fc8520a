import { SignJWT } from 'jose';
import { FAULT_ADMIN_KEY, FAULT_JWT_SECRET, type FaultSystem } from './fault-system';

export type Outcome = 'ok' | 'failed' | 'unknown';

export interface LikeAttempt {
  productId: number;
  userId: string;
  outcome: Outcome;
  status?: number;
  code?: string;
  likeId?: string;
}

export interface AdminAttempt {
  op: 'create' | 'update' | 'delete';
  productId?: number;
  outcome: Outcome;
  status?: number;
}

/** A small seeded PRNG, so a failing run can be replayed from its printed seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

interface Answer {
  status?: number;
  body?: { code?: string; id?: number; like?: { id: string } };
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(8000) });
    const body = (await res.json().catch(() => undefined)) as Answer['body'];
    return { status: res.status, body };
  } catch {
    // A timeout or a reset: the request may or may not have taken effect.
    return {};
  }
}

const classify = (answer: Answer): Outcome => (answer.status === undefined || answer.status >= 500 ? 'unknown' : answer.status < 300 ? 'ok' : 'failed');

/**
 * Drives concurrent likes (distinct and repeated users x products) and admin creates, updates and
 * deletes, recording every request as ok, failed or unknown.
 */
export class Workload {
  readonly likes: LikeAttempt[] = [];
  readonly adminOps: AdminAttempt[] = [];
  readonly products: number[] = [];
  private readonly deleted = new Set<number>();
  private readonly tokens = new Map<string, string>();
  private staffToken: string | undefined;
  private userCounter = 0;

  constructor(
    private readonly system: FaultSystem,
    private readonly random: () => number,
  ) {}

  /** Products created and not (possibly) deleted by this workload. */
  liveProducts(): number[] {
    return this.products.filter((id) => !this.deleted.has(id));
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /** Admin's API needs staff: a token signed with admin's own key, as sign-in would issue it. */
  private async staffHeaders(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    this.staffToken ??= await new SignJWT({ role: 'staff' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('1')
      .setIssuer('catalogue-admin')
      .setAudience('catalogue')
      .setExpirationTime('2h')
      .sign(FAULT_ADMIN_KEY);
    return { authorization: `Bearer ${this.staffToken}`, ...extra };
  }

  private async token(userId: string): Promise<string> {
    let token = this.tokens.get(userId);
    if (!token) {
      token = await new SignJWT({ role: 'customer' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer('catalogue-admin')
        .setAudience('catalogue')
        .setExpirationTime('2h')
        .sign(new TextEncoder().encode(FAULT_JWT_SECRET));
      this.tokens.set(userId, token);
    }
    return token;
  }

  /** Creates products through admin while everything is healthy, and waits until main has them. */
  async seedProducts(count: number): Promise<void> {
    const created: number[] = [];
    while (created.length < count) {
      const id = await this.create();
      if (id) created.push(id);
    }
    const deadline = Date.now() + 30_000;
    for (const id of created) {
      while ((await call(`${this.system.main.url}/api/products/${id}`)).status !== 200) {
        if (Date.now() > deadline) throw new Error(`product ${id} never reached main`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async create(): Promise<number | undefined> {
    const answer = await call(`${this.system.admin.url}/api/products`, {
      method: 'POST',
      headers: await this.staffHeaders({ 'content-type': 'application/json' }),
      body: JSON.stringify({ title: `Product ${Math.floor(this.random() * 1e6)}`, image: 'https://img.example/p.png' }),
    });
    const outcome = classify(answer);
    const productId = outcome === 'ok' ? answer.body?.id : undefined;
    this.adminOps.push({ op: 'create', productId, outcome, status: answer.status });
    if (productId) this.products.push(productId);
    return productId;
  }

  async like(productId: number, userId: string): Promise<LikeAttempt> {
    const answer = await call(`${this.system.main.url}/api/products/${productId}/like`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await this.token(userId)}` },
    });
    const attempt: LikeAttempt = { productId, userId, outcome: classify(answer), status: answer.status, code: answer.body?.code, likeId: answer.body?.like?.id };
    this.likes.push(attempt);
    return attempt;
  }

  private async adminChange(): Promise<void> {
    const live = this.liveProducts();
    const roll = this.random();
    if (roll < 0.2 || live.length < 3) {
      await this.create();
      return;
    }
    const productId = this.pick(live);
    if (roll < 0.3) {
      const answer = await call(`${this.system.admin.url}/api/products/${productId}`, { method: 'DELETE', headers: await this.staffHeaders() });
      const outcome = classify(answer);
      if (outcome !== 'failed') this.deleted.add(productId);
      this.adminOps.push({ op: 'delete', productId, outcome, status: answer.status });
      return;
    }
    const answer = await call(`${this.system.admin.url}/api/products/${productId}`, {
      method: 'PUT',
      headers: await this.staffHeaders({ 'content-type': 'application/json' }),
      body: JSON.stringify({ title: `Renamed ${Math.floor(this.random() * 1e6)}`, image: `https://img.example/${Math.floor(this.random() * 100)}.png` }),
    });
    this.adminOps.push({ op: 'update', productId, outcome: classify(answer), status: answer.status });
  }

  /**
   * Runs `likeWorkers` concurrent likers (a third of them repeat an earlier user x product) and one
   * admin worker for `durationMs`.
   */
  async run(options: { durationMs: number; likeWorkers?: number; admin?: boolean }): Promise<void> {
    const until = Date.now() + options.durationMs;
    const liker = async () => {
      while (Date.now() < until) {
        const live = this.liveProducts();
        if (live.length === 0) break;
        const repeat = this.likes.length > 0 && this.random() < 0.33;
        const previous = repeat ? this.pick(this.likes) : undefined;
        const productId = previous?.productId ?? this.pick(live);
        const userId = previous?.userId ?? `user-${this.userCounter++}`;
        await this.like(productId, userId);
      }
    };
    const adminWorker = async () => {
      while (Date.now() < until) {
        await this.adminChange();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await Promise.all([...Array.from({ length: options.likeWorkers ?? 8 }, liker), ...(options.admin === false ? [] : [adminWorker()])]);
  }

  summary(): string {
    const count = (items: { outcome: Outcome }[], outcome: Outcome) => items.filter((i) => i.outcome === outcome).length;
    return `likes ok ${count(this.likes, 'ok')} failed ${count(this.likes, 'failed')} unknown ${count(this.likes, 'unknown')}; admin ok ${count(this.adminOps, 'ok')} failed ${count(this.adminOps, 'failed')} unknown ${count(this.adminOps, 'unknown')}`;
  }
}
