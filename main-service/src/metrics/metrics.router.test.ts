import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { EventTypes, HTTP_DURATION_BUCKETS } from '@catalogue/shared';
import { eventually, FaultProxy, parseExposition, publishRaw, sampleValue, TEST_RABBITMQ_URL } from '@catalogue/shared/testing';
import { freshProductId, publishAdminEvent, startMain, tokenFor, type MainUnderTest } from '../test-support';

let main: MainUnderTest;

async function scrape(target: MainUnderTest = main): Promise<string> {
  const res = await request(target.app).get('/metrics').expect(200);
  assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
  return res.text;
}

async function value(name: string, labels: Record<string, string> = {}, target: MainUnderTest = main): Promise<number> {
  return sampleValue(await scrape(target), name, labels);
}

/** Waits until the metric has grown by at least `by` from `from`. */
async function grows(name: string, labels: Record<string, string>, from: number, by = 1): Promise<number> {
  return eventually(
    async () => {
      const now = await value(name, labels);
      return now >= from + by ? now : undefined;
    },
    { what: `${name}${JSON.stringify(labels)} to reach ${from + by}` },
  );
}

async function liveProduct(target: MainUnderTest = main): Promise<number> {
  const id = freshProductId();
  await target.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Lamp', 'https://img.example/lamp.png', 1)", [
    id,
  ]);
  return id;
}

const snapshot = (id: number, version = 1) => ({ id, title: `t${id}`, image: `https://img.example/${id}.png`, version });

before(async () => {
  main = await startMain();
  await main.messaging.ready();
});
after(() => main.stop());

describe('GET /metrics on main-service', () => {
  test('answers the Prometheus text format, every series labelled service="main", with process defaults', async () => {
    const text = await scrape();
    assert.ok(sampleValue(text, 'catalogue_process_cpu_seconds_total', { service: 'main' }) > 0);
    assert.match(text, /^catalogue_nodejs_eventloop_lag_seconds\{service="main"\}/m);
    assert.doesNotMatch(text, /_active_handles_total/, 'gauges named like counters are left out');
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      assert.match(line, /^catalogue_/, line);
      assert.match(line, /service="main"/, line);
    }
  });

  test('HTTP requests are counted and timed by route template, and random paths share one series', async () => {
    const route = { method: 'GET', route: '/api/products/:id', status_code: '404' };
    const before = await value('catalogue_http_server_requests_total', route);
    const timedBefore = await value('catalogue_http_server_request_duration_seconds_count', route);
    const unmatched = { method: 'GET', route: 'unmatched', status_code: '404' };
    const unmatchedBefore = await value('catalogue_http_server_requests_total', unmatched);
    // Anonymous scanners meet the closed-by-default authentication before any 404: still one series.
    const refused = { method: 'GET', route: 'unmatched', status_code: '401' };
    const refusedBefore = await value('catalogue_http_server_requests_total', refused);
    const token = `Bearer ${await tokenFor('scanner')}`;

    await request(main.app).get(`/api/products/${freshProductId()}`).expect(404);
    await request(main.app).get(`/api/products/${freshProductId()}`).expect(404);
    for (let i = 0; i < 3; i++) await request(main.app).get(`/wp-admin/scan-${Date.now()}-${i}.php`).expect(401);
    for (let i = 0; i < 2; i++)
      await request(main.app).get(`/wp-admin/scan-${Date.now()}-signed-${i}.php`).set('Authorization', token).expect(404);

    const text = await scrape();
    assert.equal(sampleValue(text, 'catalogue_http_server_requests_total', route), before + 2);
    assert.equal(sampleValue(text, 'catalogue_http_server_request_duration_seconds_count', route), timedBefore + 2);
    assert.equal(sampleValue(text, 'catalogue_http_server_requests_total', refused), refusedBefore + 3);
    assert.equal(sampleValue(text, 'catalogue_http_server_requests_total', unmatched), unmatchedBefore + 2);
    assert.doesNotMatch(text, /scan-|wp-admin/, 'no raw path becomes a label');
    const buckets = parseExposition(text).filter(
      (s) =>
        s.name === 'catalogue_http_server_request_duration_seconds_bucket' &&
        s.labels.route === route.route &&
        s.labels.status_code === '404',
    );
    assert.deepEqual(
      buckets.map((b) => b.labels.le),
      [...HTTP_DURATION_BUCKETS.map(String), '+Inf'],
      "OpenTelemetry's bucket list",
    );
  });

  test('an error thrown deep in a router is still labelled with its full route template', async () => {
    const route = { method: 'POST', route: '/api/products/:id/like', status_code: '404' };
    const before = await value('catalogue_http_server_requests_total', route);
    await request(main.app)
      .post(`/api/products/${freshProductId()}/like`)
      .set('Authorization', `Bearer ${await tokenFor('nobody')}`)
      .expect(404);
    assert.equal(await value('catalogue_http_server_requests_total', route), before + 1);
  });

  test('likes accepted and rejected are counted, rejections by reason', async () => {
    const id = await liveProduct();
    const accepted = await value('catalogue_likes_accepted_total');
    const rejected = async (reason: string) => value('catalogue_likes_rejected_total', { reason });
    const [already, notFound, unauthenticated, invalid] = await Promise.all([
      rejected('already_liked'),
      rejected('not_found'),
      rejected('unauthenticated'),
      rejected('validation_failed'),
    ]);
    const token = `Bearer ${await tokenFor('metrics-user')}`;

    await request(main.app).post(`/api/products/${id}/like`).set('Authorization', token).expect(200);
    await request(main.app).post(`/api/products/${id}/like`).set('Authorization', token).expect(400);
    await request(main.app).post(`/api/products/${freshProductId()}/like`).set('Authorization', token).expect(404);
    await request(main.app).post(`/api/products/${id}/like`).expect(401);
    await request(main.app).post('/api/products/abc/like').set('Authorization', token).expect(400);

    assert.equal(await value('catalogue_likes_accepted_total'), accepted + 1);
    assert.equal(await rejected('already_liked'), already + 1);
    assert.equal(await rejected('not_found'), notFound + 1);
    assert.equal(await rejected('unauthenticated'), unauthenticated + 1);
    assert.equal(await rejected('validation_failed'), invalid + 1);
  });

  test("a like's event counts as published once the broker confirms it", async () => {
    const labels = { event_type: EventTypes.ProductLiked };
    const before = await value('catalogue_events_published_total', labels);
    await request(main.app)
      .post(`/api/products/${await liveProduct()}/like`)
      .set('Authorization', `Bearer ${await tokenFor('publisher')}`)
      .expect(200);
    await grows('catalogue_events_published_total', labels, before);
  });

  test('an applied event counts as consumed, with its processing time and end-to-end lag', async () => {
    const labels = { event_type: EventTypes.ProductCreated };
    const [consumed, lag, processing] = await Promise.all([
      value('catalogue_events_consumed_total', labels),
      value('catalogue_event_lag_seconds_count', labels),
      value('catalogue_consumer_processing_duration_seconds_count', { ...labels, outcome: 'applied' }),
    ]);
    await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(freshProductId()));
    await grows('catalogue_events_consumed_total', labels, consumed);
    assert.equal(await value('catalogue_event_lag_seconds_count', labels), lag + 1);
    assert.equal(await value('catalogue_consumer_processing_duration_seconds_count', { ...labels, outcome: 'applied' }), processing + 1);
  });

  test('a duplicate delivery counts as ignored, not consumed', async () => {
    const labels = { event_type: EventTypes.ProductCreated };
    const before = await value('catalogue_events_consumed_total', labels);
    const event = await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(freshProductId()));
    const consumed = await grows('catalogue_events_consumed_total', labels, before);
    const duplicates = await value('catalogue_events_duplicates_ignored_total', labels);
    await publishAdminEvent(main, EventTypes.ProductCreated, event.data, event.id);
    await grows('catalogue_events_duplicates_ignored_total', labels, duplicates);
    assert.equal(await value('catalogue_events_consumed_total', labels), consumed);
  });

  test('an event older than the version main has counts as stale, not as a change', async () => {
    const id = freshProductId();
    const labels = { event_type: EventTypes.ProductCreated };
    const consumed = await value('catalogue_events_consumed_total', { event_type: EventTypes.ProductUpdated });
    await publishAdminEvent(main, EventTypes.ProductUpdated, snapshot(id, 2));
    await grows('catalogue_events_consumed_total', { event_type: EventTypes.ProductUpdated }, consumed);
    const stale = await value('catalogue_events_stale_total', labels);
    await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(id, 1));
    await grows('catalogue_events_stale_total', labels, stale);
    const rows: { version: number }[] = await main.dataSource.query('SELECT version FROM products WHERE id = ?', [id]);
    assert.equal(Number(rows[0]!.version), 2);
  });

  test('a dead-lettered message is counted, and a made-up type never becomes a label', async () => {
    const unknown = { event_type: 'unknown' };
    const before = await value('catalogue_events_dead_lettered_total', unknown);
    await publishRaw(main.messaging.topology.adminExchange, EventTypes.ProductCreated, '{not json', { type: `evil-${Date.now()}` });
    await grows('catalogue_events_dead_lettered_total', unknown, before);
    assert.doesNotMatch(await scrape(), /evil-/);
  });

  test('a handler failure counts as failed, and its redelivery as redelivered', async () => {
    const labels = { event_type: EventTypes.ProductCreated };
    const failed = await value('catalogue_events_failed_total', { ...labels, stage: 'consume' });
    const redelivered = await value('catalogue_events_redelivered_total', labels);
    // A missing table is an error the consumer does not wait out: it nacks, and the broker redelivers.
    await main.dataSource.query('RENAME TABLE products TO products_away');
    try {
      await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(freshProductId()));
      await grows('catalogue_events_failed_total', { ...labels, stage: 'consume' }, failed);
    } finally {
      await main.dataSource.query('RENAME TABLE products_away TO products');
    }
    await grows('catalogue_events_redelivered_total', labels, redelivered);
  });
});

describe('outbox gauges', () => {
  let idle: MainUnderTest;
  before(async () => {
    idle = await startMain({ RUN_RELAY: 'false', RUN_CONSUMER: 'false' });
  });
  after(() => idle.stop());

  test('report the rows waiting and the age of the oldest, read when scraped', async () => {
    const empty = await scrape(idle);
    assert.equal(sampleValue(empty, 'catalogue_outbox_backlog_rows'), 0);
    assert.equal(sampleValue(empty, 'catalogue_outbox_oldest_age_seconds'), 0);
    const id = await liveProduct(idle);
    await request(idle.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('a')}`)
      .expect(200);
    await request(idle.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('b')}`)
      .expect(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const waiting = await scrape(idle);
    assert.equal(sampleValue(waiting, 'catalogue_outbox_backlog_rows'), 2);
    assert.ok(sampleValue(waiting, 'catalogue_outbox_oldest_age_seconds') > 0);
  });
});

describe('a publish the broker never confirms', () => {
  let proxy: FaultProxy;
  let cut: MainUnderTest;
  before(async () => {
    const broker = new URL(TEST_RABBITMQ_URL);
    proxy = new FaultProxy(broker.hostname, Number(broker.port || 5672));
    const url = new URL(TEST_RABBITMQ_URL);
    url.hostname = '127.0.0.1';
    url.port = String(await proxy.start());
    cut = await startMain({
      RABBITMQ_URL: url.toString(),
      RUN_CONSUMER: 'false',
      PUBLISH_CONFIRM_TIMEOUT_MS: '300',
      AMQP_HEARTBEAT_SECONDS: '60',
    });
    await cut.messaging.ready();
  });
  after(async () => {
    await cut.stop();
    await proxy.stop();
  });

  test('counts as a failed event at the publish stage, and the row stays in the outbox', async () => {
    const labels = { event_type: EventTypes.ProductLiked, stage: 'publish' };
    const before = await value('catalogue_events_failed_total', labels, cut);
    // The connection stays open but nothing comes back: no confirm ever arrives.
    proxy.setMode('blackhole');
    await request(cut.app)
      .post(`/api/products/${await liveProduct(cut)}/like`)
      .set('Authorization', `Bearer ${await tokenFor('unconfirmed')}`)
      .expect(200);
    await eventually(async () => (await value('catalogue_events_failed_total', labels, cut)) > before, { what: 'a publish failure' });
    assert.ok((await value('catalogue_outbox_backlog_rows', {}, cut)) >= 1);

    // A fresh connection through a healthy network: the row goes out and the backlog drains.
    const published = await value('catalogue_events_published_total', { event_type: EventTypes.ProductLiked }, cut);
    proxy.setMode('pass');
    proxy.cutAll();
    await eventually(
      async () => (await value('catalogue_events_published_total', { event_type: EventTypes.ProductLiked }, cut)) > published,
      { timeoutMs: 20_000, what: 'the publish after recovery' },
    );
    await eventually(async () => (await value('catalogue_outbox_backlog_rows', {}, cut)) === 0, { what: 'the outbox to drain' });
  });

  test('a cut broker connection counts as lost, by connection and reason', async () => {
    const labels = { connection: 'publisher', reason: 'connection_lost' };
    const before = await value('catalogue_broker_connections_lost_total', labels, cut);
    await eventually(async () => cut.messaging.isConnected(), { what: 'the connection to be up' });
    proxy.cutAll();
    await eventually(async () => (await value('catalogue_broker_connections_lost_total', labels, cut)) > before, {
      what: 'the loss to be counted',
    });
  });
});
