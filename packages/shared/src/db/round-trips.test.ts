import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../testing';
import { createDataSource, createDataSourceOptions } from './data-source';
import { inFewRoundTrips, isCommitOutcomeUnknown, runStatements } from './round-trips';
import { affectedRows } from './transaction';

let db: TestDatabase;
let dataSource: DataSource;
/** A pool that allows one statement per query, as any pool not made by createDataSourceOptions. */
let singleStatements: DataSource;

before(async () => {
  db = await createTestDatabase('roundtrips');
  dataSource = createDataSource({ credentials: db.credentials, poolSize: 3 });
  await dataSource.initialize();
  singleStatements = new DataSource({
    ...createDataSourceOptions({ credentials: db.credentials, poolSize: 2 }),
    multipleStatements: false,
  } as ConstructorParameters<typeof DataSource>[0]);
  await singleStatements.initialize();
  await dataSource.query('CREATE TABLE items (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB');
});
after(async () => {
  await singleStatements.destroy();
  await dataSource.destroy();
  await db.drop();
});

async function stored(): Promise<Map<number, number>> {
  const rows: { id: number; n: number }[] = await dataSource.query('SELECT id, n FROM items ORDER BY id');
  return new Map(rows.map((r) => [Number(r.id), Number(r.n)]));
}

describe('transactions in few round trips', () => {
  test('the opening statements and the commit each travel in one round trip, and each statement answers for itself', async () => {
    await dataSource.query('DELETE FROM items');
    let roundTrips = 0;
    const results = await inFewRoundTrips(
      dataSource,
      {
        isolation: 'READ COMMITTED',
        opening: [
          { sql: 'INSERT INTO items VALUES (?, ?), (?, ?)', params: [1, 10, 2, 20] },
          { sql: 'SELECT n FROM items WHERE id = ?', params: [2] },
        ],
      },
      async (opened, tx) => {
        // Every query of the transaction goes through its manager: count them.
        const query = tx.manager.query.bind(tx.manager);
        tx.manager.query = (async (...args: Parameters<typeof query>) => {
          roundTrips++;
          return query(...args);
        }) as typeof tx.manager.query;
        const committed = await tx.commit([{ sql: 'UPDATE items SET n = n + 1 WHERE id IN (?)', params: [[1, 2]] }]);
        return { opened, committed };
      },
    );
    assert.equal(affectedRows(results.opened[0]), 2);
    assert.deepEqual(
      (results.opened[1] as { n: number }[]).map((r) => Number(r.n)),
      [20],
    );
    assert.equal(affectedRows(results.committed[0]), 2);
    assert.equal(results.committed.length, 1, 'the COMMIT itself is not among the results');
    assert.equal(roundTrips, 1, 'the update and the COMMIT were one query');
    assert.deepEqual(
      await stored(),
      new Map([
        [1, 11],
        [2, 21],
      ]),
    );
  });

  test('work that returns without committing, or throws, leaves nothing behind, and the connection is clean for the next user', async () => {
    await dataSource.query('DELETE FROM items');
    const answer = await inFewRoundTrips(
      dataSource,
      { opening: [{ sql: 'INSERT INTO items VALUES (?, ?)', params: [5, 1] }] },
      async () => 'not this time',
    );
    assert.equal(answer, 'not this time');
    await assert.rejects(
      inFewRoundTrips(dataSource, { opening: [{ sql: 'INSERT INTO items VALUES (?, ?)', params: [6, 1] }] }, async () => {
        throw new Error('handler failed');
      }),
      /handler failed/,
    );
    assert.deepEqual(await stored(), new Map());
    // Every connection of the pool answers outside any transaction (nothing half-finished was given back).
    const sessions = await Promise.all(
      [1, 2, 3].map(() =>
        inFewRoundTrips(
          dataSource,
          { opening: [{ sql: 'SELECT @@in_transaction AS t' }] },
          async ([rows], tx) => (await tx.commit(), rows),
        ),
      ),
    );
    assert.equal(sessions.length, 3);
    const outside = await dataSource.query('SELECT @@in_transaction AS t');
    assert.equal(Number((outside as { t: number }[])[0]!.t), 0);
  });

  test('a failing statement in the opening rolls back the ones before it in the same query', async () => {
    await dataSource.query('DELETE FROM items');
    await assert.rejects(
      inFewRoundTrips(
        dataSource,
        {
          opening: [
            { sql: 'INSERT INTO items VALUES (?, ?)', params: [7, 1] },
            { sql: 'INSERT INTO items VALUES (?, ?)', params: [7, 2] },
          ],
        },
        async (_opened, tx) => tx.commit(),
      ),
      (err: unknown) => !isCommitOutcomeUnknown(err) && /Duplicate entry/.test(String((err as Error).message)),
    );
    assert.deepEqual(await stored(), new Map());
  });

  test('a failure in the commit round trip is marked as of unknown outcome, and rolls back what it had not committed', async () => {
    await dataSource.query('DELETE FROM items');
    await assert.rejects(
      inFewRoundTrips(dataSource, { opening: [{ sql: 'INSERT INTO items VALUES (?, ?)', params: [8, 1] }] }, async (_opened, tx) =>
        tx.commit([{ sql: 'INSERT INTO items VALUES (?, ?)', params: [8, 2] }]),
      ),
      (err: unknown) => isCommitOutcomeUnknown(err),
    );
    assert.deepEqual(await stored(), new Map());
  });

  test('a pool without multiple statements gets them one at a time, with the same results', async () => {
    await dataSource.query('DELETE FROM items');
    const results = await inFewRoundTrips(
      singleStatements,
      {
        opening: [
          { sql: 'INSERT INTO items VALUES (?, ?)', params: [9, 1] },
          { sql: 'SELECT n FROM items WHERE id = ?', params: [9] },
        ],
      },
      async (opened, tx) => {
        await tx.commit([{ sql: 'UPDATE items SET n = 5 WHERE id = ?', params: [9] }]);
        return opened;
      },
    );
    assert.equal(affectedRows(results[0]), 1);
    assert.deepEqual(
      (results[1] as { n: number }[]).map((r) => Number(r.n)),
      [1],
    );
    assert.deepEqual(await runStatements(singleStatements.manager, []), []);
    assert.deepEqual(await stored(), new Map([[9, 5]]));
  });
});
