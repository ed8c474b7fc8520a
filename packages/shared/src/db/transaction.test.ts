import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { createTestDatabase, eventually, type TestDatabase } from '../testing';
import { createDataSource } from './data-source';
import { createTransactionRunner, TransactionErrorCounter, transactionErrorKind } from './transaction';

let db: TestDatabase;
let dataSource: DataSource;
/** A second, independent connection: the other party in every conflict. */
let other: mysql.Connection;

before(async () => {
  db = await createTestDatabase('tx');
  dataSource = createDataSource({ credentials: db.credentials, poolSize: 4 });
  await dataSource.initialize();
  await dataSource.query('CREATE TABLE counters (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB');
  await dataSource.query('INSERT INTO counters VALUES (1, 0), (2, 0), (3, 0), (4, 0)');
  other = await mysql.createConnection({ ...db.credentials });
});
after(async () => {
  await other.end();
  await dataSource.destroy();
  await db.drop();
});

async function count(id: number): Promise<number> {
  const rows: { n: number }[] = await dataSource.query('SELECT n FROM counters WHERE id = ?', [id]);
  return Number(rows[0]!.n);
}

/**
 * Resolves once the other connection is running `sql` (it waits there when the row is locked).
 * PROCESSLIST is read live; INNODB_TRX is not: InnoDB refreshes that snapshot only after nobody on
 * the whole server has read it for 0.1 s, which concurrent test runs never allow.
 */
async function otherIsRunning(
  sql: string,
  tx: { query(sql: string, params: unknown[]): Promise<unknown> },
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rows = (await tx.query('SELECT INFO AS info FROM information_schema.PROCESSLIST WHERE ID = ?', [other.threadId])) as {
      info: string | null;
    }[];
    if (rows[0]?.info === sql) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe('createTransactionRunner over real MariaDB', () => {
  test('a lock-wait timeout on a counter is retried as a whole transaction and the increment lands once', async () => {
    const counter = new TransactionErrorCounter();
    const run = createTransactionRunner(dataSource, { idempotent: false, observer: counter });
    await other.query('BEGIN');
    await other.query('SELECT n FROM counters WHERE id = 1 FOR UPDATE');
    const increment = run(async (tx) => {
      // Only this pooled session waits 1 s instead of the server's 50 s.
      await tx.query('SET SESSION innodb_lock_wait_timeout = 1');
      await tx.query('UPDATE counters SET n = n + 1 WHERE id = 1');
    });
    // Held until the first attempt has timed out and is being retried, then released.
    await eventually(() => Promise.resolve((counter.retries.get('conflict') ?? 0) >= 1), {
      timeoutMs: 30_000,
      intervalMs: 20,
      what: 'a retried lock-wait timeout',
    });
    await other.query('COMMIT');
    await increment;
    assert.equal(await count(1), 1);
    assert.ok((counter.retries.get('conflict') ?? 0) >= 1, 'the lock-wait timeout was retried');
    assert.equal(counter.failures.size, 0);
  });

  const OTHER_WANTS_ROW_2 = 'UPDATE counters SET n = n + 10 WHERE id = 2';

  test('a real deadlock between two transactions: the victim is retried and both increments land once', async () => {
    const counter = new TransactionErrorCounter();
    const run = createTransactionRunner(dataSource, { idempotent: false, observer: counter });
    let firstLocked!: () => void;
    const firstHoldsRow2 = new Promise<void>((resolve) => (firstLocked = resolve));
    let attempts = 0;
    // Transaction A locks row 2 then wants row 3; the other connection locks row 3 then wants row 2.
    const a = run(async (tx) => {
      attempts++;
      await tx.query('UPDATE counters SET n = n + 1 WHERE id = 2');
      firstLocked();
      // Gives the other connection time to queue behind this lock before asking for the row it holds.
      if (attempts === 1) await otherIsRunning(OTHER_WANTS_ROW_2, tx, 5000);
      await tx.query('UPDATE counters SET n = n + 1 WHERE id = 3');
    });
    await firstHoldsRow2;
    await other.query('BEGIN');
    await other.query('UPDATE counters SET n = n + 10 WHERE id = 3');
    await other.query('UPDATE counters SET n = n + 10 WHERE id = 4');
    // Heavier than A (two rows changed), so InnoDB picks A as the victim.
    const otherSide = other.query(OTHER_WANTS_ROW_2).then(() => other.query('COMMIT'));
    await Promise.all([a, otherSide]);
    assert.ok(attempts >= 2, 'A ran again after being chosen as the deadlock victim');
    assert.equal(counter.retries.get('conflict'), attempts - 1);
    assert.equal(await count(2), 11);
    assert.equal(await count(3), 11);
  });

  test('an error that is not transient is neither retried nor swallowed: it is rethrown and counted by kind', async () => {
    const counter = new TransactionErrorCounter();
    const run = createTransactionRunner(dataSource, { idempotent: true, observer: counter });
    let attempts = 0;
    await assert.rejects(
      run(async (tx) => {
        attempts++;
        await tx.query('INSERT INTO counters VALUES (1, 0)');
      }),
      (err) => transactionErrorKind(err) === 'duplicate_key',
    );
    await assert.rejects(
      run(() => Promise.reject(new Error('a bug in our own code'))),
      /a bug in our own code/,
    );
    await assert.rejects(
      run((tx) => tx.query('SELECT * FROM no_such_table')),
      (err) => transactionErrorKind(err) === 'database',
    );
    assert.equal(attempts, 1);
    assert.deepEqual([...counter.failures].sort(), [
      ['application', 1],
      ['database', 1],
      ['duplicate_key', 1],
    ]);
    assert.equal(counter.retries.size, 0);
  });

  test('a connection lost mid-transaction is retried only for idempotent work', async () => {
    const counter = new TransactionErrorCounter();
    const killOnce = (run: ReturnType<typeof createTransactionRunner>) => {
      let attempts = 0;
      return run(async (tx) => {
        attempts++;
        if (attempts === 1) {
          const [{ id }] = (await tx.query('SELECT CONNECTION_ID() AS id')) as { id: number }[];
          await other.query(`KILL CONNECTION ${Number(id)}`);
        }
        await tx.query('UPDATE counters SET n = n + 1 WHERE id = 4');
        return attempts;
      });
    };
    const before = await count(4);
    assert.equal(await killOnce(createTransactionRunner(dataSource, { idempotent: true, observer: counter })), 2);
    assert.equal(await count(4), before + 1);
    assert.equal(counter.retries.get('connection'), 1);
    await assert.rejects(
      killOnce(createTransactionRunner(dataSource, { idempotent: false, observer: counter })),
      (err) => transactionErrorKind(err) === 'connection',
    );
    assert.equal(counter.failures.get('connection'), 1);
    assert.equal(await count(4), before + 1);
  });
});
