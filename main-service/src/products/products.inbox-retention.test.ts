import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { createLogger, EventTypes, InboxPruner } from '@catalogue/shared';
import { eventually, sampleValue } from '@catalogue/shared/testing';
import { freshProductId, publishAdminEvent, startMain, type MainUnderTest } from '../test-support';

/** Main's inbox is bounded: product events need no memory beyond it, since versions decide. */
let main: MainUnderTest;

before(async () => {
  main = await startMain({ INBOX_RETENTION_DAYS: '14' });
  await main.messaging.ready();
});
after(async () => {
  await main?.stop();
});

const count = async (sql: string, params: unknown[] = []) => Number(((await main.dataSource.query(sql, params)) as { n: number }[])[0]!.n);

/** Inbox rows as if applied `days` ago. */
async function oldInboxRows(n: number, days: number): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => [`old-${days}-${i}-${Math.random().toString(36).slice(2, 10)}`, 'product_updated']);
  await main.dataSource.query('INSERT INTO processed_events (event_id, event_type) VALUES ?', [rows]);
  await main.dataSource.query('UPDATE processed_events SET processed_at = CURRENT_TIMESTAMP(3) - INTERVAL ? DAY WHERE event_id LIKE ?', [
    days,
    `old-${days}-%`,
  ]);
}

describe("main's inbox retention", () => {
  test('rows past the retention go in small batches, oldest first; younger rows stay; /metrics counts what went', async () => {
    await oldInboxRows(250, 20);
    await oldInboxRows(3, 13);
    const batches: number[] = [];
    // The service's own pruner, with a smaller batch to show the batching.
    const pruner = new InboxPruner({
      dataSource: main.dataSource,
      logger: createLogger({ service: 'main-test', level: 'silent' }),
      retentionDays: main.config.INBOX_RETENTION_DAYS,
      intervalMs: 3_600_000,
      batchSize: 100,
      pauseMs: 10,
      observer: { inboxPruned: (n) => batches.push(n) },
    });
    assert.equal(await pruner.prune(), 250);
    assert.deepEqual(batches, [100, 100, 50]);
    assert.equal(await count("SELECT COUNT(*) AS n FROM processed_events WHERE event_id LIKE 'old-13-%'"), 3, 'younger than 14 days: kept');
    assert.equal(await count('SELECT COUNT(*) AS n FROM processed_events WHERE processed_at < CURRENT_TIMESTAMP(3) - INTERVAL 14 DAY'), 0);

    await oldInboxRows(7, 30);
    const metric = async () =>
      sampleValue((await request(main.app).get('/metrics').expect(200)).text, 'catalogue_inbox_pruned_total', { service: 'main' }) ?? 0;
    const before = await metric();
    assert.equal(await main.messaging.inboxPruner!.prune(), 7);
    assert.equal((await metric()) - before, 7);
  });

  test('a product event delivered again after its inbox row was pruned changes nothing: the version decides', async () => {
    const id = freshProductId();
    const created = await publishAdminEvent(main, EventTypes.ProductCreated, {
      id,
      title: 'First',
      image: 'https://img.example/1.png',
      version: 1,
    });
    const updated = await publishAdminEvent(main, EventTypes.ProductUpdated, {
      id,
      title: 'Second',
      image: 'https://img.example/2.png',
      version: 2,
    });
    const shown = async () => (await request(main.app).get(`/api/products/${id}`)).body.title as string | undefined;
    await eventually(async () => (await shown()) === 'Second', { what: 'the update applied' });
    await main.dataSource.query('UPDATE processed_events SET processed_at = CURRENT_TIMESTAMP(3) - INTERVAL 15 DAY WHERE event_id IN (?)', [
      [created.id, updated.id],
    ]);
    await main.messaging.inboxPruner!.prune();
    assert.equal(await count('SELECT COUNT(*) AS n FROM processed_events WHERE event_id IN (?)', [[created.id, updated.id]]), 0);

    // Both delivered again, the older last: each is recorded afresh but neither changes the product.
    await publishAdminEvent(main, EventTypes.ProductUpdated, updated.data, updated.id);
    await publishAdminEvent(main, EventTypes.ProductCreated, created.data, created.id);
    await eventually(
      async () => (await count('SELECT COUNT(*) AS n FROM processed_events WHERE event_id IN (?)', [[created.id, updated.id]])) === 2,
      { what: 'both redeliveries processed' },
    );
    assert.equal(await shown(), 'Second');
    const rows: { version: number }[] = await main.dataSource.query('SELECT version FROM products WHERE id = ?', [id]);
    assert.equal(Number(rows[0]!.version), 2);
  });
});
