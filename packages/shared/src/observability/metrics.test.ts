import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { transactionErrors } from '../db/transaction';
import { ServiceMetrics } from './metrics';

const sample = (exposition: string, series: string): number | undefined => {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('metrics every process exposes', () => {
  test('transaction retries and failures, counted by kind where transactions run, are exported at scrape time', async () => {
    const metrics = new ServiceMetrics('admin', { defaultMetrics: false });
    const before = (await metrics.exposition()).body;
    const retries = sample(before, 'catalogue_transaction_retries_total{kind="conflict",service="admin"}');
    const failures = sample(before, 'catalogue_transaction_failures_total{kind="connection",service="admin"}');
    assert.equal(typeof retries, 'number', 'the series exists before anything happened');
    assert.equal(typeof failures, 'number');
    transactionErrors.retried('conflict');
    transactionErrors.failed('connection');
    const after = (await metrics.exposition()).body;
    assert.equal(sample(after, 'catalogue_transaction_retries_total{kind="conflict",service="admin"}'), retries! + 1);
    assert.equal(sample(after, 'catalogue_transaction_failures_total{kind="connection",service="admin"}'), failures! + 1);
  });

  test('dead letters are counted by who dead-lettered them, both series present from the start', async () => {
    const body = (await new ServiceMetrics('main', { defaultMetrics: false }).exposition()).body;
    for (const reason of ['refused', 'delivery_limit']) {
      assert.equal(sample(body, `catalogue_events_dead_lettered_total{event_type="product_created",reason="${reason}",service="main"}`), 0);
    }
  });
});
