import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { check, type Databases } from './checker';
import { History, type Invocation, type Operation, type Status } from './history';

/**
 * The checker is pure logic over a history and the rows it reads, so these tests hand it rows
 * directly: each one is a story the checker must accept or reject, with the anomaly it names.
 */
interface Rows {
  likes?: { id: string; product_id: number; user_id: string }[];
  /** main's removed_likes. */
  removed?: { like_id: string; product_id: number; user_id: string }[];
  main?: Product[];
  admin?: Product[];
  /** admin's applied_likes; by default what a correct admin holds for `likes` and `removed`. */
  ledger?: { like_id: string; taken_back: number }[];
}
interface Product {
  id: number;
  title: string;
  image: string;
  version: number;
  likes: number;
  deleted_at: Date | null;
}

function databases(rows: Rows): Databases {
  const ledger = rows.ledger ?? [
    ...(rows.likes ?? []).map((l) => ({ like_id: l.id, taken_back: 0 })),
    ...(rows.removed ?? []).map((r) => ({ like_id: r.like_id, taken_back: 1 })),
  ];
  const tables: Record<string, unknown[]> = { likes: rows.likes ?? [], removed_likes: rows.removed ?? [], applied_likes: ledger };
  const reader = (products: Product[] | undefined) => ({
    query: async (sql: string) => [tables[/FROM (\w+)/.exec(sql)![1]!] ?? products ?? []],
  });
  return { main: reader(rows.main) as unknown as Databases['main'], admin: reader(rows.admin) as unknown as Databases['admin'] };
}

const product = (id: number, title: string, extra: Partial<Product> = {}): Product => ({
  id,
  title,
  image: 'https://img.example/1.png',
  version: 1,
  likes: 0,
  deleted_at: null,
  ...extra,
});

/** Records an operation with given times (ms) and outcome. */
function record(
  history: History,
  op: Invocation,
  status: Status,
  invokedAt: number,
  completedAt: number,
  results: Partial<Operation> = {},
): Operation {
  const live = history.invoke(op);
  history.complete(live, { status, http: status === 'ok' ? 200 : status === 'fail' ? 400 : undefined }, results);
  return Object.assign(live, { invokedAt, completedAt });
}

function create(history: History, title: string, status: Status, at: number, productId?: number) {
  return record(
    history,
    { type: 'create', process: 'p', title, image: 'https://img.example/1.png' },
    status,
    at,
    at + 5,
    productId ? { productId } : {},
  );
}
function update(history: History, productId: number, title: string, status: Status, invokedAt: number, completedAt: number) {
  return record(
    history,
    { type: 'update', process: 'p', productId, title, image: 'https://img.example/1.png' },
    status,
    invokedAt,
    completedAt,
  );
}
function like(history: History, productId: number, userId: string, status: Status, at: number, likeId?: string) {
  return record(history, { type: 'like', process: 'p', productId, userId }, status, at, at + 5, likeId ? { likeId } : {});
}

function unlike(history: History, productId: number, userId: string, status: Status, invokedAt: number, completedAt = invokedAt + 5) {
  return record(history, { type: 'unlike', process: 'p', productId, userId }, status, invokedAt, completedAt);
}

describe('the checker', () => {
  test('accepts a history whose ok operations are all there, and counts info ones that took effect as recovered', async () => {
    const h = new History();
    create(h, 'A', 'ok', 0, 1);
    update(h, 1, 'B', 'ok', 10, 15);
    like(h, 1, 'u1', 'ok', 20, 'L1');
    like(h, 1, 'u1', 'fail', 30);
    like(h, 1, 'u2', 'info', 40);
    like(h, 1, 'u3', 'info', 50);
    const rows = [
      { id: 'L1', product_id: 1, user_id: 'u1' },
      { id: 'L2', product_id: 1, user_id: 'u2' },
    ];
    const verdict = await check(
      h,
      databases({ likes: rows, main: [product(1, 'B', { version: 2, likes: 2 })], admin: [product(1, 'B', { version: 2, likes: 2 })] }),
    );
    assert.equal(verdict.valid, true, JSON.stringify(verdict.anomalies));
    assert.equal(verdict.recovered, 1);
  });

  test('an ok like missing from main is lost; a like row only a failed request could explain is unexpected', async () => {
    const h = new History();
    create(h, 'A', 'ok', 0, 1);
    like(h, 1, 'u1', 'ok', 10, 'L1');
    like(h, 1, 'u2', 'fail', 20);
    const verdict = await check(
      h,
      databases({
        likes: [{ id: 'X', product_id: 1, user_id: 'u2' }],
        main: [product(1, 'A', { likes: 1 })],
        admin: [product(1, 'A', { likes: 1 })],
      }),
    );
    assert.equal(verdict.valid, false);
    assert.equal(verdict.lost, 1);
    assert.equal(verdict.unexpected, 1);
    assert.match(verdict.anomalies.map((a) => a.text).join('\n'), /answered ok/);
    assert.match(verdict.anomalies.map((a) => a.text).join('\n'), /answered as failed/);
  });

  test("a product left at an earlier update's value than a later ok one is lost, but concurrent updates may land in either order", async () => {
    const sequential = new History();
    create(sequential, 'A', 'ok', 0, 1);
    update(sequential, 1, 'B', 'ok', 10, 20);
    update(sequential, 1, 'C', 'ok', 30, 40);
    const stale = await check(sequential, databases({ main: [product(1, 'B', { version: 3 })], admin: [product(1, 'B', { version: 3 })] }));
    assert.equal(stale.lost, 1, JSON.stringify(stale.anomalies));

    const concurrent = new History();
    create(concurrent, 'A', 'ok', 0, 1);
    update(concurrent, 1, 'B', 'ok', 10, 40);
    update(concurrent, 1, 'C', 'ok', 20, 30);
    const either = await check(
      concurrent,
      databases({ main: [product(1, 'B', { version: 3 })], admin: [product(1, 'B', { version: 3 })] }),
    );
    assert.equal(either.valid, true, JSON.stringify(either.anomalies));
  });

  test("versions count admin's changes: fewer than the ok ones is lost, more than ok and info together is unexpected", async () => {
    const h = new History();
    create(h, 'A', 'ok', 0, 1);
    update(h, 1, 'B', 'fail', 10, 15);
    update(h, 1, 'C', 'ok', 20, 25);
    const tooHigh = await check(h, databases({ main: [product(1, 'C', { version: 3 })], admin: [product(1, 'C', { version: 3 })] }));
    assert.equal(tooHigh.unexpected, 1, 'a failed update took effect');
    const tooLow = await check(h, databases({ main: [product(1, 'C', { version: 1 })], admin: [product(1, 'C', { version: 1 })] }));
    assert.equal(tooLow.lost, 1, JSON.stringify(tooLow.anomalies));
  });

  test('a product whose id was never answered must carry the title of a create without an ok answer, never of a failed one', async () => {
    const h = new History();
    create(h, 'Maybe', 'info', 0);
    create(h, 'Refused', 'fail', 10);
    const recovered = await check(h, databases({ main: [product(7, 'Maybe')], admin: [product(7, 'Maybe')] }));
    assert.equal(recovered.valid, true, JSON.stringify(recovered.anomalies));
    assert.equal(recovered.recovered, 1);
    const refused = await check(h, databases({ main: [product(8, 'Refused')], admin: [product(8, 'Refused')] }));
    assert.equal(refused.unexpected, 1);
  });

  test('admin counting a like twice is duplicated; a deletion main lost (no tombstone) is lost', async () => {
    const h = new History();
    create(h, 'A', 'ok', 0, 1);
    like(h, 1, 'u1', 'ok', 10, 'L1');
    const twice = await check(
      h,
      databases({
        likes: [{ id: 'L1', product_id: 1, user_id: 'u1' }],
        main: [product(1, 'A', { likes: 1 })],
        admin: [product(1, 'A', { likes: 2 })],
      }),
    );
    assert.equal(twice.duplicated, 1);

    const deleted = new History();
    create(deleted, 'A', 'ok', 0, 1);
    record(deleted, { type: 'delete', process: 'p', productId: 1 }, 'ok', 10, 15);
    const gone = await check(deleted, databases({ main: [], admin: [product(1, 'A', { version: 2, deleted_at: new Date() })] }));
    assert.equal(gone.lost, 1, JSON.stringify(gone.anomalies));
    assert.match(gone.anomalies[0]!.text, /tombstone/);
  });

  test('a like taken back with an ok unlike is absent, removed once and taken back in admin; liking again after it is a new like', async () => {
    const h = new History();
    create(h, 'A', 'ok', 0, 1);
    like(h, 1, 'u1', 'ok', 10, 'L1');
    unlike(h, 1, 'u1', 'ok', 20);
    like(h, 1, 'u2', 'ok', 30, 'L2');
    unlike(h, 1, 'u2', 'ok', 40);
    like(h, 1, 'u2', 'ok', 50, 'L3');
    unlike(h, 1, 'u3', 'ok', 60); // nothing to take back: 204 all the same
    const verdict = await check(
      h,
      databases({
        likes: [{ id: 'L3', product_id: 1, user_id: 'u2' }],
        removed: [
          { like_id: 'L1', product_id: 1, user_id: 'u1' },
          { like_id: 'L2', product_id: 1, user_id: 'u2' },
        ],
        main: [product(1, 'A', { likes: 1 })],
        admin: [product(1, 'A', { likes: 1 })],
      }),
    );
    assert.equal(verdict.valid, true, JSON.stringify(verdict.anomalies));
  });

  test('a like still there after an unlike answered ok is lost; a like and an unlike at once may end either way', async () => {
    const h = new History();
    create(h, 'A', 'ok', 0, 1);
    like(h, 1, 'u1', 'ok', 10, 'L1');
    unlike(h, 1, 'u1', 'ok', 20);
    const kept = await check(
      h,
      databases({
        likes: [{ id: 'L1', product_id: 1, user_id: 'u1' }],
        main: [product(1, 'A', { likes: 1 })],
        admin: [product(1, 'A', { likes: 1 })],
      }),
    );
    assert.equal(kept.lost, 1, JSON.stringify(kept.anomalies));
    assert.match(kept.anomalies[0]!.text, /unlike #\d+ was answered ok \(absent\), but the state is liked \(L1\)/);

    const racing = new History();
    create(racing, 'A', 'ok', 0, 1);
    like(racing, 1, 'u1', 'ok', 10, 'L1');
    unlike(racing, 1, 'u1', 'ok', 12, 30); // invoked before the like was answered
    const either = await check(
      racing,
      databases({
        likes: [{ id: 'L1', product_id: 1, user_id: 'u1' }],
        main: [product(1, 'A', { likes: 1 })],
        admin: [product(1, 'A', { likes: 1 })],
      }),
    );
    assert.equal(either.valid, true, JSON.stringify(either.anomalies));
  });

  test('a removal nobody asked for, or one only a failed unlike asked for, is unexpected', async () => {
    const h = new History();
    create(h, 'A', 'ok', 0, 1);
    like(h, 1, 'u1', 'ok', 10, 'L1');
    unlike(h, 1, 'u1', 'fail', 20);
    const verdict = await check(
      h,
      databases({ removed: [{ like_id: 'L1', product_id: 1, user_id: 'u1' }], main: [product(1, 'A')], admin: [product(1, 'A')] }),
    );
    assert.equal(verdict.valid, false);
    assert.match(verdict.anomalies.map((a) => a.text).join('\n'), /was taken back, but no unlike answered ok or unanswered asked for it/);
  });

  test("admin's ledger must agree: an unlike admin never applied is lost, a like admin took back that main still has is unexpected", async () => {
    const h = new History();
    create(h, 'A', 'ok', 0, 1);
    like(h, 1, 'u1', 'ok', 10, 'L1');
    unlike(h, 1, 'u1', 'ok', 20);
    like(h, 1, 'u2', 'ok', 30, 'L2');
    // Counts that balance by accident: admin missed the removal of L1 and took back L2 instead.
    const verdict = await check(
      h,
      databases({
        likes: [{ id: 'L2', product_id: 1, user_id: 'u2' }],
        removed: [{ like_id: 'L1', product_id: 1, user_id: 'u1' }],
        ledger: [
          { like_id: 'L1', taken_back: 0 },
          { like_id: 'L2', taken_back: 1 },
        ],
        main: [product(1, 'A', { likes: 1 })],
        admin: [product(1, 'A', { likes: 1 })],
      }),
    );
    assert.equal(verdict.lost, 1, JSON.stringify(verdict.anomalies));
    assert.equal(verdict.unexpected, 1, JSON.stringify(verdict.anomalies));
    assert.match(verdict.anomalies.map((a) => a.text).join('\n'), /admin never applied the removal of like L1/);
    assert.match(verdict.anomalies.map((a) => a.text).join('\n'), /admin took back like L2/);
  });

  test('dead letters make a history invalid', async () => {
    const verdict = await check(new History(), databases({}), { deadLettered: async () => 2 });
    assert.equal(verdict.valid, false);
    assert.equal(verdict.deadLettered, 2);
  });
});
