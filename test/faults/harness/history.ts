/**
 * A Jepsen-style history: every request a workload makes, with when it was invoked and when it
 * completed, and how it ended:
 * - `ok`: the service said it happened (2xx); it must be visible afterwards, unless a later ok
 *   operation on the same thing replaced it;
 * - `fail`: the service said it did not happen (4xx); it must not be visible;
 * - `info`: no answer, or a 5xx: it may or may not have happened, at any time after its invocation.
 *
 * Operation types are a discriminated union on `type`. To add one (e.g. `unlike`), add its record
 * here and teach the checker's model for that type (see checker.ts): nothing else reads the union.
 */
export type Status = 'ok' | 'fail' | 'info';

interface OperationBase {
  /** Position in the history, in invocation order. */
  index: number;
  /** The worker that issued it (one request at a time per worker). */
  process: string;
  status: Status;
  /** Milliseconds since the history started; `completedAt` is undefined while in flight. */
  invokedAt: number;
  completedAt?: number;
  /** The HTTP status and error code, when an answer came. */
  http?: number;
  code?: string;
}

/** POST /api/products/:id/like in main. */
export interface LikeOperation extends OperationBase {
  type: 'like';
  productId: number;
  userId: string;
  /** The like id main answered (ok only). */
  likeId?: string;
}

/** DELETE /api/products/:id/like in main: takes the user's like back (204 whether or not there was one). */
export interface UnlikeOperation extends OperationBase {
  type: 'unlike';
  productId: number;
  userId: string;
}

/** POST /api/products in admin. Titles are unique per operation, so a title names its writer. */
export interface CreateOperation extends OperationBase {
  type: 'create';
  title: string;
  image: string;
  /** The id admin answered (ok only). */
  productId?: number;
}

/** PUT /api/products/:id in admin. */
export interface UpdateOperation extends OperationBase {
  type: 'update';
  productId: number;
  title: string;
  image: string;
}

/** DELETE /api/products/:id in admin. */
export interface DeleteOperation extends OperationBase {
  type: 'delete';
  productId: number;
}

export type Operation = LikeOperation | UnlikeOperation | CreateOperation | UpdateOperation | DeleteOperation;
export type OperationType = Operation['type'];

/** What a caller describes when it invokes an operation (the rest is filled in by the history). */
export type Invocation<T extends Operation = Operation> = T extends Operation ? Omit<T, keyof OperationBase> & { process: string } : never;

/** The outcome of one HTTP exchange, classified. */
export interface Completion {
  status: Status;
  http?: number;
  code?: string;
}

/** Classifies an HTTP answer: 2xx ok, 4xx fail, 5xx or no answer info. */
export function statusOf(http: number | undefined): Status {
  if (http === undefined || http >= 500) return 'info';
  return http < 300 ? 'ok' : 'fail';
}

export class History {
  readonly operations: Operation[] = [];
  readonly startedAt = new Date();
  private readonly origin = performance.now();

  /** Milliseconds since the history started. */
  now(): number {
    return Math.round((performance.now() - this.origin) * 10) / 10;
  }

  /** Records an invocation (as `info` until it completes) and returns its live record. */
  invoke<T extends Operation>(invocation: Invocation<T>): T {
    const operation = { ...invocation, index: this.operations.length, status: 'info', invokedAt: this.now() } as unknown as T;
    this.operations.push(operation);
    return operation;
  }

  /** Completes an operation with its classified outcome and any results (like id, product id). */
  complete<T extends Operation>(operation: T, completion: Completion, results: Partial<T> = {}): T {
    // For an info operation this is only when the workload gave up: the checker treats it as
    // possibly taking effect at any later time.
    Object.assign(operation, results, { status: completion.status, http: completion.http, code: completion.code, completedAt: this.now() });
    return operation;
  }

  of<K extends OperationType>(type: K): Extract<Operation, { type: K }>[] {
    return this.operations.filter((op): op is Extract<Operation, { type: K }> => op.type === type);
  }

  count(filter: (op: Operation) => boolean = () => true): number {
    return this.operations.filter(filter).length;
  }

  /** `like ok 812 fail 120 info 3; create ok 10 ...`, for logs. */
  summary(from = 0): string {
    const byType = new Map<string, Record<Status, number>>();
    for (const op of this.operations.slice(from)) {
      const counts = byType.get(op.type) ?? { ok: 0, fail: 0, info: 0 };
      counts[op.status]++;
      byType.set(op.type, counts);
    }
    return [...byType].map(([type, c]) => `${type} ok ${c.ok} fail ${c.fail} info ${c.info}`).join('; ');
  }
}
