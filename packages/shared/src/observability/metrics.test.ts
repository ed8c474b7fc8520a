import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TransactionErrorCounter } from '../db/transaction';
import { sampleValue } from '../testing/metrics';
import { messagingMetrics } from './messaging-metrics';
import { ServiceMetrics } from './metrics';

const scrape = async (metrics: ServiceMetrics) => (await metrics.exposition()).body;

describe('ServiceMetrics', () => {
  test("transaction retries and failures are read from the runners' counter at each scrape, by kind", async () => {
    const transactions = new TransactionErrorCounter();
    const metrics = new ServiceMetrics('main', { defaultMetrics: false, transactions });
    assert.equal(sampleValue(await scrape(metrics), 'catalogue_db_transaction_retries_total'), 0);
    transactions.retried('conflict');
    transactions.retried('conflict');
    transactions.retried('connection');
    transactions.failed('connection');
    const text = await scrape(metrics);
    assert.equal(sampleValue(text, 'catalogue_db_transaction_retries_total', { kind: 'conflict' }), 2);
    assert.equal(sampleValue(text, 'catalogue_db_transaction_retries_total', { kind: 'connection' }), 1);
    assert.equal(sampleValue(text, 'catalogue_db_transaction_failures_total', { kind: 'connection' }), 1);
    transactions.retried('conflict');
    assert.equal(
      sampleValue(await scrape(metrics), 'catalogue_db_transaction_retries_total', { kind: 'conflict' }),
      3,
      'a later scrape shows the new total, not a sum of scrapes',
    );
  });

  test('broker connection losses, failed connects and blocks are counted by connection', async () => {
    const metrics = new ServiceMetrics('admin', { defaultMetrics: false });
    const observer = messagingMetrics(metrics);
    observer.broker?.({ connection: 'publisher', event: 'lost', reason: 'heartbeat_timeout' });
    observer.broker?.({ connection: 'consumer', event: 'lost', reason: 'closed_by_broker' });
    observer.broker?.({ connection: 'publisher', event: 'connect_failed' });
    observer.broker?.({ connection: 'publisher', event: 'blocked' });
    const text = await scrape(metrics);
    assert.equal(sampleValue(text, 'catalogue_broker_connections_lost_total', { connection: 'publisher', reason: 'heartbeat_timeout' }), 1);
    assert.equal(sampleValue(text, 'catalogue_broker_connections_lost_total', { connection: 'consumer', reason: 'closed_by_broker' }), 1);
    assert.equal(sampleValue(text, 'catalogue_broker_connect_failures_total', { connection: 'publisher' }), 1);
    assert.equal(sampleValue(text, 'catalogue_broker_blocked_total', { connection: 'publisher' }), 1);
  });

  test('dead letters are counted by who dead-lettered them (the consumer, or the broker at the delivery limit), both series there from the start', async () => {
    const metrics = new ServiceMetrics('main', { defaultMetrics: false });
    for (const reason of ['refused', 'delivery_limit'])
      assert.equal(
        sampleValue(await scrape(metrics), 'catalogue_events_dead_lettered_total', { event_type: 'product_created', reason }),
        0,
      );
    const observer = messagingMetrics(metrics);
    observer.deadLettered?.({ type: 'product_created', reason: 'invalid event: data.id: too big' });
    observer.deadLettered?.({ type: 'product_created', reason: 'delivery_limit' });
    observer.deadLettered?.({ type: 'product_created', reason: 'delivery_limit' });
    const text = await scrape(metrics);
    assert.equal(sampleValue(text, 'catalogue_events_dead_lettered_total', { event_type: 'product_created', reason: 'refused' }), 1);
    assert.equal(sampleValue(text, 'catalogue_events_dead_lettered_total', { event_type: 'product_created', reason: 'delivery_limit' }), 2);
  });
});
