import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { parseEvent } from '@catalogue/shared';
import { drainQueue, eventually, FaultProxy, TEST_RABBITMQ_URL } from '@catalogue/shared/testing';
import { freshProductId, startMain, tokenFor, type MainUnderTest } from '../test-support';

let main: MainUnderTest;

async function liveProduct(): Promise<number> {
  const id = freshProductId();
  await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Lamp', 'https://img.example/lamp.png', 1)", [
    id,
  ]);
  return id;
}

async function likeRows(productId: number): Promise<{ user_id: string }[]> {
  return main.dataSource.query('SELECT user_id FROM likes WHERE product_id = ?', [productId]);
}

async function likeCount(productId: number): Promise<number> {
  const rows: { likes: number }[] = await main.dataSource.query('SELECT likes FROM products WHERE id = ?', [productId]);
  return Number(rows[0]?.likes);
}

async function publishedLikes(productId: number) {
  const messages = await drainQueue(main.messaging.topology.adminQueue);
  return messages
    .map((m) => ({ message: m, parsed: parseEvent(JSON.parse(m.content.toString())) }))
    .filter((m) => m.parsed.ok && m.parsed.event.type === 'product_liked' && m.parsed.event.data.productId === productId);
}

before(async () => {
  main = await startMain();
  await main.messaging.ready();
});
after(() => main.stop());

describe('POST /api/products/:id/like', () => {
  test('records the like for the token subject, counts it, and publishes product_liked once', async () => {
    const productId = await liveProduct();
    const res = await request(main.app)
      .post(`/api/products/${productId}/like`)
      .set('Authorization', `Bearer ${await tokenFor('user-1')}`)
      .expect(200);
    assert.equal(res.body.message, 'success');
    assert.equal(res.body.like.productId, productId);
    assert.equal(res.body.like.userId, 'user-1');
    assert.deepEqual(await likeRows(productId), [{ user_id: 'user-1' }]);
    assert.equal(await likeCount(productId), 1);
    const published = await eventually(async () => {
      const found = await publishedLikes(productId);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(published.length, 1);
    const event = published[0]!;
    assert.ok(event.parsed.ok && event.parsed.event.id === res.body.like.id);
    assert.equal(event.message.properties.messageId, res.body.like.id);
    assert.equal(event.message.properties.deliveryMode, 2, 'persistent');
    // The broker routes the message before it confirms it, and the relay deletes the row after the confirm.
    await eventually(async () => ((await main.dataSource.query('SELECT id FROM outbox')) as unknown[]).length === 0, {
      what: 'the confirmed row to leave the outbox',
    });
  });

  test('when the user already liked the product, it answers 400, counts nothing and publishes nothing', async () => {
    const productId = await liveProduct();
    const auth = `Bearer ${await tokenFor('user-2')}`;
    await request(main.app).post(`/api/products/${productId}/like`).set('Authorization', auth).expect(200);
    await eventually(async () => (await publishedLikes(productId)).length === 1);
    const res = await request(main.app).post(`/api/products/${productId}/like`).set('Authorization', auth).expect(400);
    assert.equal(res.body.code, 'already_liked');
    assert.match(res.body.message, /already liked/);
    assert.equal(await likeCount(productId), 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await publishedLikes(productId)).length, 0);
  });

  test('different users liking the same product at once are all counted', async () => {
    const productId = await liveProduct();
    const users = Array.from({ length: 20 }, (_, i) => `crowd-${i}`);
    const answers = await Promise.all(
      users.map(async (user) =>
        request(main.app)
          .post(`/api/products/${productId}/like`)
          .set('Authorization', `Bearer ${await tokenFor(user)}`),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      users.map(() => 200),
    );
    assert.equal(await likeCount(productId), 20);
    assert.equal((await likeRows(productId)).length, 20);
  });

  test('answers 404 for an unknown or deleted product and writes nothing', async () => {
    const deleted = freshProductId();
    await main.dataSource.query(
      "INSERT INTO products (id, title, image, version, deleted_at) VALUES (?, 'x', 'https://x.example/x.png', 2, NOW())",
      [deleted],
    );
    const ids = [freshProductId(), deleted];
    for (const id of ids) {
      const res = await request(main.app)
        .post(`/api/products/${id}/like`)
        .set('Authorization', `Bearer ${await tokenFor('user-3')}`)
        .expect(404);
      assert.equal(res.body.code, 'not_found');
      assert.equal((await likeRows(id)).length, 0);
    }
    // Other tests' events may still be on their way out; none may be about these products.
    const outbox: unknown[] = await main.dataSource.query("SELECT id FROM outbox WHERE JSON_EXTRACT(payload, '$.data.productId') IN (?)", [
      ids,
    ]);
    assert.equal(outbox.length, 0);
  });

  test('answers 401 without a token, with a token signed by another key, or with an expired one', async () => {
    const productId = await liveProduct();
    const attempts = [
      undefined,
      `Bearer ${await tokenFor('u', { secret: 'another-secret-that-is-long-enough-000000' })}`,
      `Bearer ${await tokenFor('u', { expiresIn: '-1m' })}`,
      'Basic dXNlcjpwYXNz',
      'Bearer not.a.jwt',
    ];
    for (const authorization of attempts) {
      const req = request(main.app).post(`/api/products/${productId}/like`);
      if (authorization) req.set('Authorization', authorization);
      const res = await req.expect(401);
      assert.equal(res.body.code, 'unauthenticated');
    }
    assert.equal((await likeRows(productId)).length, 0);
  });

  test('answers 400 for a non-numeric product id', async () => {
    const res = await request(main.app)
      .post('/api/products/lamp/like')
      .set('Authorization', `Bearer ${await tokenFor('u')}`)
      .expect(400);
    assert.equal(res.body.details[0].field, 'id');
  });

  test('also answers on the old /flask/api path', async () => {
    const productId = await liveProduct();
    await request(main.app)
      .post(`/flask/api/products/${productId}/like`)
      .set('Authorization', `Bearer ${await tokenFor('flask-user')}`)
      .expect(200);
    assert.equal(await likeCount(productId), 1);
  });
});

describe('POST /api/products/:id/like in development mode (no JWT key: admin assigns a user)', () => {
  let devMain: MainUnderTest;
  let adminStub: http.Server;
  let adminAnswer: { status: number; body: unknown; delayMs?: number } = { status: 200, body: { id: 7 } };

  before(async () => {
    // A stand-in for admin's HTTP API: the dependency here is a remote service, not our code.
    adminStub = http.createServer((_req, res) => {
      const answer = adminAnswer;
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      }, answer.delayMs ?? 0);
    });
    await new Promise<void>((resolve) => adminStub.listen(0, '127.0.0.1', resolve));
    devMain = await startMain({
      JWT_SECRET: undefined,
      DEV_RANDOM_USER: 'true',
      ADMIN_URL: `http://127.0.0.1:${(adminStub.address() as AddressInfo).port}`,
      ADMIN_TIMEOUT_MS: '1000',
    });
  });
  after(async () => {
    await devMain?.stop();
    adminStub.closeAllConnections();
    await new Promise((resolve) => adminStub.close(resolve));
  });

  async function devProduct(): Promise<number> {
    const id = freshProductId();
    await devMain.dataSource.query(
      "INSERT INTO products (id, title, image, version) VALUES (?, 'Desk', 'https://img.example/desk.png', 1)",
      [id],
    );
    return id;
  }

  test('likes as the user admin picks', async () => {
    adminAnswer = { status: 200, body: { id: 7 } };
    const productId = await devProduct();
    const res = await request(devMain.app).post(`/api/products/${productId}/like`).expect(200);
    assert.equal(res.body.like.userId, '7');
  });

  test('answers 503 quickly, never hangs, when admin does not answer in time, and writes nothing', async () => {
    adminAnswer = { status: 200, body: { id: 8 }, delayMs: 10_000 };
    const productId = await devProduct();
    const started = Date.now();
    const res = await request(devMain.app).post(`/api/products/${productId}/like`).expect(503);
    assert.ok(Date.now() - started < 6000, 'answered after the 1 s timeout, long before admin would');
    assert.equal(res.body.code, 'dependency_unavailable');
    const rows: unknown[] = await devMain.dataSource.query('SELECT id FROM likes WHERE product_id = ?', [productId]);
    assert.equal(rows.length, 0);
  });

  test('answers 503 naming the seed when admin has no users', async () => {
    adminAnswer = { status: 404, body: { code: 'not_found', message: 'no users' } };
    const productId = await devProduct();
    const res = await request(devMain.app).post(`/api/products/${productId}/like`).expect(503);
    assert.equal(res.body.code, 'no_users');
  });
});

describe('POST /api/products/:id/like while the broker is unreachable', () => {
  test('accepts the like, stays ready, and keeps its event in the outbox until it can be published', async () => {
    const offline = await startMain({ RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1' });
    try {
      const productId = freshProductId();
      await offline.dataSource.query(
        "INSERT INTO products (id, title, image, version) VALUES (?, 'Rug', 'https://img.example/rug.png', 1)",
        [productId],
      );
      await request(offline.app)
        .post(`/api/products/${productId}/like`)
        .set('Authorization', `Bearer ${await tokenFor('offline-user')}`)
        .expect(200);
      // Still ready: the outbox holds the like, so the API stays in its load balancer.
      await request(offline.app).get('/readyz').expect(200);
      const health = await request(offline.app).get('/api/health').expect(200);
      assert.equal(health.body.checks.broker, 'down');
      assert.equal(health.body.checks.database, 'up');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const outbox: { event_type: string }[] = await offline.dataSource.query('SELECT event_type FROM outbox');
      assert.deepEqual(outbox, [{ event_type: 'product_liked' }]);
    } finally {
      await offline.stop();
    }
  });
});

/**
 * Whether some transaction holds a lock on this outbox row: a NOWAIT probe is refused at once when it
 * does. (INNODB_TRX would say more, but InnoDB refreshes that snapshot only after nobody on the whole
 * server has read it for 0.1 s, which concurrent test runs never allow.)
 */
async function outboxRowClaimed(service: MainUnderTest, id: string): Promise<boolean> {
  try {
    await service.dataSource.query('SELECT id FROM outbox WHERE id = ? FOR UPDATE NOWAIT', [id]);
    return false;
  } catch (err) {
    if ((err as { driverError?: { errno?: number } }).driverError?.errno === 1205) return true;
    throw err;
  }
}

describe('POST /api/products/:id/like while a publish waits for its confirm', () => {
  test('commits new likes without waiting for the relay, whose claim on its rows stays open', async () => {
    const proxy = new FaultProxy('127.0.0.1', Number(new URL(TEST_RABBITMQ_URL).port || 5672));
    await proxy.start();
    const stalled = await startMain({ RABBITMQ_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}`, PUBLISH_CONFIRM_TIMEOUT_MS: '8000' });
    try {
      await stalled.messaging.ready();
      const productId = freshProductId();
      await stalled.dataSource.query(
        "INSERT INTO products (id, title, image, version) VALUES (?, 'Vase', 'https://img.example/vase.png', 1)",
        [productId],
      );
      // The broker stops answering: the relay claims the first like's outbox row and waits for a confirm.
      proxy.setMode('blackhole');
      await request(stalled.app)
        .post(`/api/products/${productId}/like`)
        .set('Authorization', `Bearer ${await tokenFor('first')}`)
        .expect(200);
      const [first] = (await stalled.dataSource.query('SELECT id FROM outbox')) as { id: string }[];
      assert.ok(first, "the first like's event waits in the outbox");
      await eventually(() => outboxRowClaimed(stalled, first.id), { what: "the relay's open claim on the first like's row" });
      // A like now must not queue behind the relay's locks (no gap lock on the outbox's end).
      await request(stalled.app)
        .post(`/api/products/${productId}/like`)
        .set('Authorization', `Bearer ${await tokenFor('second')}`)
        .expect(200);
      assert.ok(
        await outboxRowClaimed(stalled, first.id),
        'the second like committed while the relay still held its claim, waiting for the confirm',
      );
      assert.equal(await likeRowsIn(stalled, productId), 2);
    } finally {
      proxy.setMode('pass');
      await stalled.stop();
      await proxy.stop();
    }
  });
});

async function likeRowsIn(service: MainUnderTest, productId: number): Promise<number> {
  const rows: { n: number }[] = await service.dataSource.query('SELECT COUNT(*) AS n FROM likes WHERE product_id = ?', [productId]);
  return Number(rows[0]?.n);
}
