import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { EventTypes } from '@catalogue/shared';
import { eventually, sampleValue } from '@catalogue/shared/testing';
import { aProduct, publishLike, startAdmin, type AdminUnderTest } from '../test-support';

let admin: AdminUnderTest;
before(async () => {
  admin = await startAdmin();
});
after(async () => {
  await admin?.stop();
});

async function scrape(): Promise<string> {
  const res = await request(admin.http).get('/metrics').expect(200);
  assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
  return res.text;
}

const value = async (name: string, labels: Record<string, string> = {}) => sampleValue(await scrape(), name, labels);

async function grows(name: string, labels: Record<string, string>, from: number): Promise<void> {
  await eventually(async () => (await value(name, labels)) > from, { what: `${name}${JSON.stringify(labels)} to grow past ${from}` });
}

describe('GET /metrics on admin-service', () => {
  test('answers the Prometheus text format, every series labelled service="admin"', async () => {
    const text = await scrape();
    assert.ok(sampleValue(text, 'catalogue_process_resident_memory_bytes', { service: 'admin' }) > 0);
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) assert.match(line, /^catalogue_.*service="admin"/, line);
  });

  test('products created, updated and deleted are counted, and their events counted as published', async () => {
    const [created, updated, deleted] = await Promise.all([
      value('catalogue_products_created_total'),
      value('catalogue_products_updated_total'),
      value('catalogue_products_deleted_total'),
    ]);
    const published = await value('catalogue_events_published_total', { event_type: EventTypes.ProductDeleted });

    const { body } = await admin.api.post('/api/products').send(aProduct()).expect(201);
    await admin.api.put(`/api/products/${body.id}`).send(aProduct()).expect(202);
    await admin.api.delete(`/api/products/${body.id}`).expect(204);
    await admin.api.delete(`/api/products/${body.id}`).expect(404);

    assert.equal(await value('catalogue_products_created_total'), created + 1);
    assert.equal(await value('catalogue_products_updated_total'), updated + 1);
    assert.equal(await value('catalogue_products_deleted_total'), deleted + 1, 'a delete that found nothing is not counted');
    await grows('catalogue_events_published_total', { event_type: EventTypes.ProductDeleted }, published);
  });

  test("Nest's routes are labelled by their template, unknown paths as unmatched", async () => {
    const route = { method: 'GET', route: '/api/products/:id', status_code: '404' };
    // The staff guard refuses after the route matched: the refusal carries the template too.
    const refused = { ...route, status_code: '401' };
    const before = await value('catalogue_http_server_requests_total', route);
    const refusedBefore = await value('catalogue_http_server_requests_total', refused);
    const unmatched = await value('catalogue_http_server_requests_total', { route: 'unmatched', status_code: '404' });
    await admin.api.get('/api/products/987654').expect(404);
    await request(admin.http).get('/api/products/987655').expect(401);
    await request(admin.http).get(`/.env-${Date.now()}`).expect(404);
    const text = await scrape();
    assert.equal(sampleValue(text, 'catalogue_http_server_requests_total', route), before + 1);
    assert.equal(sampleValue(text, 'catalogue_http_server_requests_total', refused), refusedBefore + 1);
    assert.equal(sampleValue(text, 'catalogue_http_server_requests_total', { route: 'unmatched', status_code: '404' }), unmatched + 1);
    assert.doesNotMatch(text, /\.env-/);
  });

  test('a like applied by the consumer counts as consumed, with its lag', async () => {
    const { body } = await admin.api.post('/api/products').send(aProduct()).expect(201);
    const labels = { event_type: EventTypes.ProductLiked };
    const [consumed, lag] = await Promise.all([
      value('catalogue_events_consumed_total', labels),
      value('catalogue_event_lag_seconds_count', labels),
    ]);
    await publishLike(admin, { productId: body.id, userId: 'u1' });
    await grows('catalogue_events_consumed_total', labels, consumed);
    assert.equal(await value('catalogue_event_lag_seconds_count', labels), lag + 1);
  });
});
