import { SignJWT } from 'jose';
import {
  History,
  statusOf,
  type CreateOperation,
  type DeleteOperation,
  type LikeOperation,
  type UnlikeOperation,
  type UpdateOperation,
} from './history';

/**
 * The fault tests' client: concurrent likes (new and repeated users x products) against main and
 * creates, updates and deletes against admin, every request recorded in a History (history.ts).
 *
 * Reusable against any deployment: give it base URLs (one service, several replicas, or a load
 * balancer: requests rotate over the list), a staff token for admin and a way to sign customers'
 * tokens, e.g.
 *
 *   const workload = new Workload({ main: [lbUrl], admin: [adminUrl], staffToken: () => token,
 *     customerToken: hs256CustomerTokens(secret) }, seededRandom(seed));
 *   await workload.seedProducts(5);
 *   await workload.run({ durationMs: 4000 });
 *   const verdict = await check(workload.history, { main: mainPool, admin: adminPool });
 */
export interface WorkloadTargets {
  /** Base URLs of main-service (http://host:port), tried in turn. */
  main: string[];
  /** Base URLs of admin-service. */
  admin: string[];
  /** A staff bearer token for admin's writes (a function: it may be renewed). */
  staffToken: () => string;
  /** A customer's bearer token for main, by user id. */
  customerToken: (userId: string) => Promise<string>;
  /** Per request; an answer later than this is recorded as info. Default 8000. */
  requestTimeoutMs?: number;
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

/** Customer tokens signed as admin's sign-in issues them, with the HS256 secret main verifies. */
export function hs256CustomerTokens(secret: string): (userId: string) => Promise<string> {
  const cache = new Map<string, Promise<string>>();
  const key = new TextEncoder().encode(secret);
  return (userId) => {
    let token = cache.get(userId);
    if (!token) {
      token = new SignJWT({ role: 'customer' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer('catalogue-admin')
        .setAudience('catalogue')
        .setExpirationTime('4h')
        .sign(key);
      cache.set(userId, token);
    }
    return token;
  };
}

interface Answer {
  http?: number;
  body?: { code?: string; id?: number; like?: { id: string } };
}

export class Workload {
  readonly history: History;
  /** Products whose create was answered ok, in creation order. */
  readonly products: number[] = [];
  /** Every like invoked, for repeats (the history holds them too, among everything else). */
  private readonly likes: LikeOperation[] = [];
  private readonly deleted = new Set<number>();
  private userCounter = 0;
  private turn = 0;

  constructor(
    private readonly targets: WorkloadTargets,
    private readonly random: () => number,
    history?: History,
  ) {
    this.history = history ?? new History();
  }

  /** Products created and not (possibly) deleted by this workload. */
  liveProducts(): number[] {
    return this.products.filter((id) => !this.deleted.has(id));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private base(service: 'main' | 'admin'): string {
    const urls = this.targets[service];
    return urls[this.turn++ % urls.length]!;
  }

  private async call(url: string, init: RequestInit): Promise<Answer> {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.targets.requestTimeoutMs ?? 8000) });
      const body = (await res.json().catch(() => undefined)) as Answer['body'];
      return { http: res.status, body };
    } catch {
      // A timeout or a reset: the request may or may not have taken effect.
      return {};
    }
  }

  private staff(json = false): Record<string, string> {
    return { authorization: `Bearer ${this.targets.staffToken()}`, ...(json ? { 'content-type': 'application/json' } : {}) };
  }

  /** A title no other operation uses, so the checker can tell which operation wrote a product's state. */
  private title(kind: string): string {
    return `${kind} ${this.history.operations.length}-${Math.floor(this.random() * 1e6)}`;
  }

  async like(productId: number, userId: string, process = 'driver'): Promise<LikeOperation> {
    const op = this.history.invoke<LikeOperation>({ type: 'like', process, productId, userId });
    this.likes.push(op);
    const token = await this.targets.customerToken(userId);
    const answer = await this.call(`${this.base('main')}/api/products/${productId}/like`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    return this.history.complete(
      op,
      { status: statusOf(answer.http), http: answer.http, code: answer.body?.code },
      answer.body?.like?.id ? { likeId: answer.body.like.id } : {},
    );
  }

  /** Takes a user's like of a product back. */
  async unlike(productId: number, userId: string, process = 'driver'): Promise<UnlikeOperation> {
    const op = this.history.invoke<UnlikeOperation>({ type: 'unlike', process, productId, userId });
    const token = await this.targets.customerToken(userId);
    const answer = await this.call(`${this.base('main')}/api/products/${productId}/like`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    return this.history.complete(op, { status: statusOf(answer.http), http: answer.http, code: answer.body?.code });
  }

  async create(process = 'driver'): Promise<CreateOperation> {
    const input = { title: this.title('Product'), image: `https://img.example/${Math.floor(this.random() * 100)}.png` };
    const op = this.history.invoke<CreateOperation>({ type: 'create', process, ...input });
    const answer = await this.call(`${this.base('admin')}/api/products`, {
      method: 'POST',
      headers: this.staff(true),
      body: JSON.stringify(input),
    });
    const status = statusOf(answer.http);
    const productId = status === 'ok' ? answer.body?.id : undefined;
    if (productId) this.products.push(productId);
    return this.history.complete(op, { status, http: answer.http, code: answer.body?.code }, productId ? { productId } : {});
  }

  async update(productId: number, process = 'driver'): Promise<UpdateOperation> {
    const input = { title: this.title('Renamed'), image: `https://img.example/${Math.floor(this.random() * 100)}.png` };
    const op = this.history.invoke<UpdateOperation>({ type: 'update', process, productId, ...input });
    const answer = await this.call(`${this.base('admin')}/api/products/${productId}`, {
      method: 'PUT',
      headers: this.staff(true),
      body: JSON.stringify(input),
    });
    return this.history.complete(op, { status: statusOf(answer.http), http: answer.http, code: answer.body?.code });
  }

  async remove(productId: number, process = 'driver'): Promise<DeleteOperation> {
    const op = this.history.invoke<DeleteOperation>({ type: 'delete', process, productId });
    // Taken out of the live set at once: nothing should like or change it from now on.
    this.deleted.add(productId);
    const answer = await this.call(`${this.base('admin')}/api/products/${productId}`, { method: 'DELETE', headers: this.staff() });
    return this.history.complete(op, { status: statusOf(answer.http), http: answer.http, code: answer.body?.code });
  }

  /** Creates products while everything is healthy and waits until main has each of them. */
  async seedProducts(count: number, timeoutMs = 30_000): Promise<void> {
    const created: number[] = [];
    const deadline = Date.now() + timeoutMs;
    while (created.length < count) {
      const op = await this.create('seed');
      if (op.productId) created.push(op.productId);
      else if (Date.now() > deadline) throw new Error(`could not create ${count} products (last answer ${op.http ?? 'none'})`);
    }
    for (const id of created) {
      while ((await this.call(`${this.base('main')}/api/products/${id}`, {})).http !== 200) {
        if (Date.now() > deadline) throw new Error(`product ${id} never reached main`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** One admin change: mostly updates, some creates and deletes, never fewer than three live products. */
  private async adminChange(process: string): Promise<void> {
    const live = this.liveProducts();
    const roll = this.random();
    if (roll < 0.2 || live.length < 3) await this.create(process);
    else if (roll < 0.3) await this.remove(this.pick(live), process);
    else await this.update(this.pick(live), process);
  }

  /**
   * Runs `likeWorkers` concurrent likers and `adminWorkers` admin workers (one by default) for
   * `durationMs`. A liker's request takes back an earlier user x product's like one time in five;
   * otherwise it likes, a third of the time an earlier user x product again (already liked, or
   * liked again after an unlike: a new like id).
   */
  async run(options: { durationMs: number; likeWorkers?: number; adminWorkers?: number }): Promise<void> {
    const until = Date.now() + options.durationMs;
    const liker = async (n: number) => {
      while (Date.now() < until) {
        const live = this.liveProducts();
        if (live.length === 0) break;
        const roll = this.random();
        const previous = this.likes.length > 0 && roll < 0.53 ? this.pick(this.likes) : undefined;
        const op =
          previous && roll < 0.2
            ? await this.unlike(previous.productId, previous.userId, `liker-${n}`)
            : await this.like(previous?.productId ?? this.pick(live), previous?.userId ?? `user-${this.userCounter++}`, `liker-${n}`);
        // No answer (main down or cut off): a short pause instead of thousands of refused requests.
        if (op.status === 'info') await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const adminWorker = async (n: number) => {
      while (Date.now() < until) {
        await this.adminChange(`admin-${n}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await Promise.all([
      ...Array.from({ length: options.likeWorkers ?? 8 }, (_, n) => liker(n)),
      ...Array.from({ length: options.adminWorkers ?? 1 }, (_, n) => adminWorker(n)),
    ]);
  }

  /** Operations answered ok from `from` on: likes, unlikes, and admin writes. */
  okCounts(from = 0): { likes: number; unlikes: number; admin: number } {
    const ops = this.history.operations.slice(from).filter((op) => op.status === 'ok');
    const count = (...types: string[]) => ops.filter((op) => types.includes(op.type)).length;
    return { likes: count('like'), unlikes: count('unlike'), admin: count('create', 'update', 'delete') };
  }

  summary(from = 0): string {
    return this.history.summary(from);
  }
}
