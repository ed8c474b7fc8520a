import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { transactionErrors } from '@catalogue/shared';
import { eventually } from '@catalogue/shared/testing';
import { aProduct, publishLike, startAdmin, type AdminUnderTest } from '../test-support';

let admin: AdminUnderTest;
/** The other party in each conflict: a connection of its own, outside the service. */
let other: mysql.Connection;

before(async () => {
  admin = await startAdmin({ AMQP_PREFETCH: '1' });
  other = await mysql.createConnection({
    host: admin.config.DB_HOST,
    port: admin.config.DB_PORT,
    user: admin.config.DB_USER,
    password: admin.config.DB_PASSWORD,
    database: admin.config.DB_NAME,
  });
});
after(async () => {
  await other.end();
  await admin?.stop();
});

async function createProduct(): Promise<number> {
  return (await admin.api.post('/api/products').send(aProduct()).expect(201)).body.id as number;
}

async function likesOf(id: number): Promise<number> {
  const rows: { likes: number }[] = await admin.db.query('SELECT likes FROM products WHERE id = ?', [id]);
  return Number(rows[0]?.likes);
}

async function timesProcessed(eventId: string): Promise<number> {
  const rows: unknown[] = await admin.db.query('SELECT event_id FROM processed_events WHERE event_id = ?', [eventId]);
  return rows.length;
}

/**
 * The consumer's statement that counts likes on this product (it waits there while the product row
 * is locked): the batch form (`+ CASE id ... WHERE id IN (...)`), which a delivery alone takes too,
 * or the one-like form of the one-by-one path.
 */
const countsLikeOn = (product: number) => `^UPDATE products SET likes = likes \\+ (1 WHERE id = ${product} |CASE id WHEN ${product} THEN )`;

/**
 * Resolves once one of the service's connections runs the like's counter update on this product: with
 * the row locked by `other`, it waits there. PROCESSLIST is read live; INNODB_TRX is not: InnoDB
 * refreshes that snapshot only after nobody on the whole server has read it for 0.1 s, which
 * concurrent test runs never allow.
 */
async function consumerWaitsForALock(product: number): Promise<void> {
  await eventually(
    async () => {
      const rows: unknown[] = await admin.db.query(
        'SELECT 1 FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> ? AND INFO REGEXP ?',
        [other.threadId, countsLikeOn(product)],
      );
      return rows.length > 0;
    },
    { timeoutMs: 30_000, intervalMs: 20, what: 'the consumer to wait for the product row' },
  ).catch(async (err: Error) => {
    // What the database was doing, to tell a slow delivery from a lock that was never taken.
    const threads: unknown[] = await admin.db.query(
      'SELECT ID AS thread, COMMAND AS command, STATE AS state, INFO AS query FROM information_schema.PROCESSLIST WHERE DB = DATABASE()',
    );
    throw new Error(`${err.message}; threads: ${JSON.stringify(threads)}`);
  });
}

describe("admin's like counter under lock conflicts", () => {
  test('when the like deadlocks against another transaction, the consumer is rolled back, retries the whole transaction and counts the like once', async () => {
    const product = await createProduct();
    const marked = await createProduct();
    // The other transaction writes many rows (rolled back at the end), so InnoDB picks the consumer as the
    // lighter victim, and locks the product.
    await other.query('BEGIN');
    await other.query(
      "INSERT INTO users (email, name) WITH RECURSIVE s (seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s WHERE seq < 100) SELECT CONCAT('deadlock-', seq, '@example.com'), 'x' FROM s",
    );
    await other.query('SELECT id FROM products WHERE id = ? FOR UPDATE', [product]);

    const conflictsBefore = transactionErrors.retries.get('conflict') ?? 0;
    const like = await publishLike(admin, { productId: product, userId: 'deadlock-user' });
    // The consumer has recorded the event id in its inbox and now waits for the product row.
    await consumerWaitsForALock(product);
    // Closing the cycle: the other transaction wants the inbox row the consumer holds.
    await other.query("INSERT INTO processed_events (event_id, event_type) VALUES (?, 'product_liked')", [like.id]);
    // That insert went through only because the consumer was chosen as the deadlock victim and rolled back.
    await other.query('ROLLBACK');

    await eventually(async () => (await likesOf(product)) === 1, { what: 'the like counted after the retry' });
    assert.equal(
      (transactionErrors.retries.get('conflict') ?? 0) - conflictsBefore,
      1,
      'the consumer retried its transaction after the deadlock',
    );
    assert.equal(await timesProcessed(like.id), 1);

    // Redelivered (as after a lost ack), it still counts once.
    await publishLike(admin, { productId: product, userId: 'deadlock-user' }, like.id);
    const marker = await publishLike(admin, { productId: marked, userId: 'marker' });
    await eventually(async () => (await timesProcessed(marker.id)) === 1);
    assert.equal(await likesOf(product), 1);
  });

  test('when the product row is locked for a while, the like waits for it and is counted once', async () => {
    const product = await createProduct();
    await other.query('BEGIN');
    await other.query('UPDATE products SET likes = likes + 0, image = image WHERE id = ?', [product]);
    const like = await publishLike(admin, { productId: product, userId: 'waiting-user' });
    await consumerWaitsForALock(product);
    await other.query('COMMIT');
    await eventually(async () => (await likesOf(product)) === 1);
    assert.equal(await timesProcessed(like.id), 1);
  });
});
