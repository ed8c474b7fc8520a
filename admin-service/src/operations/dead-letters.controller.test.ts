import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { eventually, publishRaw, TEST_RABBITMQ_URL } from '@catalogue/shared/testing';
import { aProduct, publishLike, readyMessages, startAdmin, type AdminUnderTest } from '../test-support';

describe('dead letters in the console (OPS_RABBITMQ_URL set)', () => {
  let admin: AdminUnderTest;

  before(async () => {
    // One redelivery past the first: a like that keeps failing is dead-lettered by the broker quickly.
    admin = await startAdmin({ OPS_RABBITMQ_URL: TEST_RABBITMQ_URL, AMQP_DELIVERY_LIMIT: '1', AMQP_PREFETCH: '1' });
  });
  after(async () => {
    await admin?.stop();
  });

  const likesOf = async (id: number): Promise<number> => (await admin.api.get(`/api/products/${id}`).expect(200)).body.likes;
  const dlq = () => admin.topology.adminDeadLetterQueue;

  test('a like dead-lettered at the delivery limit is listed with its reason, replayed by id after the fix, counted once and gone', async () => {
    const product = (await admin.api.post('/api/products').send(aProduct()).expect(201)).body;
    // The bug: admin's handler fails on every delivery (its table is missing) until the delivery limit dead-letters the like.
    await admin.db.query('RENAME TABLE products TO products_away');
    let like;
    try {
      like = await publishLike(admin, { productId: product.id, userId: 'replay-user' });
      await eventually(async () => (await readyMessages(dlq())) === 1, {
        timeoutMs: 20_000,
        what: 'the like dead-lettered by the delivery limit',
      });
    } finally {
      await admin.db.query('RENAME TABLE products_away TO products');
    }

    // The broker dead-lettered it, and the consumer counted it by that reason as it returned the message the last time.
    const metrics = (await request(admin.http).get('/metrics').expect(200)).text;
    assert.match(
      metrics,
      /^catalogue_events_dead_lettered_total\{event_type="product_liked",reason="delivery_limit",service="admin"\} 1$/m,
    );
    assert.match(metrics, /^catalogue_events_dead_lettered_total\{event_type="product_liked",reason="refused",service="admin"\} 0$/m);

    const listed = await admin.api.get('/api/operations/dead-letters').expect(200);
    const [mainQueue, adminQueue] = listed.body.queues;
    assert.deepEqual([mainQueue.queue, mainQueue.messages], ['main', []]);
    assert.equal(adminQueue.name, dlq());
    assert.deepEqual(adminQueue.messages, [
      {
        id: like.id,
        type: 'product_liked',
        originQueue: admin.topology.adminQueue,
        reason: 'delivery_limit',
        deaths: adminQueue.messages[0].deaths,
      },
    ]);
    // The listing reads without acknowledging; the broker puts the messages back once its channel has
    // closed, which a quorum queue does a moment later: wait for it (a removed message never comes back).
    await eventually(async () => (await readyMessages(dlq())) === 1, {
      timeoutMs: 10_000,
      what: 'the listed message back in the queue: listing takes nothing out',
    });

    const replay = await admin.api
      .post('/api/operations/dead-letters/replay')
      .send({ queue: 'admin', ids: [like.id] })
      .expect(200);
    assert.deepEqual(replay.body, { queue: 'admin', replayed: [like.id], failed: [], notFound: [] });
    await eventually(async () => (await likesOf(product.id)) === 1, { what: 'the replayed like counted' });
    assert.equal(await readyMessages(dlq()), 0);

    const again = await admin.api
      .post('/api/operations/dead-letters/replay')
      .send({ queue: 'admin', ids: [like.id] })
      .expect(200);
    assert.deepEqual(again.body, { queue: 'admin', replayed: [], failed: [], notFound: [like.id] });
    // A duplicate replay (same event id) would be dropped by the inbox anyway; the count stays at one.
    await publishLike(admin, { productId: product.id, userId: 'replay-user' }, like.id);
    await eventually(async () => (await readyMessages(admin.topology.adminQueue)) === 0, { what: 'the duplicate consumed' });
    assert.equal(await likesOf(product.id), 1);
  });

  test('"all" replays every message of the chosen queue and leaves the other queue alone', async () => {
    const poison = 'poison-all-1';
    await publishRaw(admin.topology.mainExchange, 'product_liked', '{"not":"an event"}', { messageId: poison, type: 'product_liked' });
    await eventually(async () => (await readyMessages(dlq())) === 1, { what: 'the invalid like dead-lettered by the consumer' });
    const listed = await admin.api.get('/api/operations/dead-letters').expect(200);
    assert.equal(listed.body.queues[1].messages[0].id, poison);
    assert.match(listed.body.queues[1].messages[0].reason, /./);

    const nothing = await admin.api.post('/api/operations/dead-letters/replay').send({ queue: 'main', all: true }).expect(200);
    assert.deepEqual(nothing.body, { queue: 'main', replayed: [], failed: [], notFound: [] });
    assert.equal(await readyMessages(dlq()), 1);

    const all = await admin.api.post('/api/operations/dead-letters/replay').send({ queue: 'admin', all: true }).expect(200);
    assert.deepEqual(all.body.replayed, [poison]);
    // Still invalid, so the consumer dead-letters it again: replay does not judge messages, the consumer does.
    await eventually(async () => (await readyMessages(dlq())) === 1, { what: 'the still-invalid like back in the dead-letter queue' });
  });

  test('bad input answers 400 naming the problem and replays nothing', async () => {
    const before = await readyMessages(dlq());
    for (const body of [
      {},
      { queue: 'other', all: true },
      { queue: 'admin' },
      { queue: 'admin', ids: [] },
      { queue: 'admin', ids: [7] },
      { queue: 'admin', all: false },
      { queue: 'admin', all: true, ids: ['x'] },
      { queue: 'admin', all: true, extra: 1 },
    ]) {
      const res = await admin.api.post('/api/operations/dead-letters/replay').send(body).expect(400);
      assert.equal(res.body.code, 'validation_failed', JSON.stringify(body));
    }
    assert.equal(await readyMessages(dlq()), before);
  });

  test('the operations report says replay is available', async () => {
    const res = await admin.api.get('/api/operations').expect(200);
    assert.equal(res.body.replay.available, true);
  });

  test('answers 401 without a token and 403 to a customer, and replays nothing', async () => {
    const before = await readyMessages(dlq());
    const customer = `Bearer ${await admin.tokenFor('7', 'customer')}`;
    await request(admin.http).get('/api/operations/dead-letters').expect(401);
    await request(admin.http).post('/api/operations/dead-letters/replay').send({ queue: 'admin', all: true }).expect(401);
    await request(admin.http).get('/api/operations/dead-letters').set('authorization', customer).expect(403);
    await request(admin.http)
      .post('/api/operations/dead-letters/replay')
      .set('authorization', customer)
      .send({ queue: 'admin', all: true })
      .expect(403);
    assert.equal(await readyMessages(dlq()), before);
  });
});

describe('dead letters in the console (OPS_RABBITMQ_URL not set)', () => {
  let admin: AdminUnderTest;

  before(async () => {
    admin = await startAdmin();
  });
  after(async () => {
    await admin?.stop();
  });

  test('listing and replay answer 503 saying replay is not configured', async () => {
    for (const res of [
      await admin.api.get('/api/operations/dead-letters'),
      await admin.api.post('/api/operations/dead-letters/replay').send({ queue: 'main', all: true }),
    ]) {
      assert.equal(res.status, 503);
      assert.equal(res.body.code, 'replay_not_configured');
      assert.match(res.body.message, /not configured.*OPS_RABBITMQ_URL/);
    }
  });

  test('bad input is still a 400, before anything else', async () => {
    await admin.api.post('/api/operations/dead-letters/replay').send({ queue: 'nowhere' }).expect(400);
  });
});
