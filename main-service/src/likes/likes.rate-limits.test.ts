import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { eventually, PrivateRedis, sampleValue } from '@catalogue/shared/testing';
import type { MainService } from '../app';
import { freshProductId, startMain, startReplica, tokenFor, type MainUnderTest } from '../test-support';

/** Two API replicas whose like limits count in one (private) Redis, as REDIS_URL sets them up. */
let redis: PrivateRedis;
let replicaA: MainUnderTest;
let replicaB: MainService & { stop(): Promise<void> };
const PER_USER = 3;

before(async () => {
  redis = new PrivateRedis();
  await redis.start();
  replicaA = await startMain({ REDIS_URL: redis.url, LIKES_PER_MINUTE_PER_USER: String(PER_USER), LIKES_PER_MINUTE_PER_ADDRESS: '1000' });
  replicaB = await startReplica(replicaA);
});
after(async () => {
  await replicaB?.stop();
  await replicaA?.stop();
  await redis.destroy();
});

async function products(count: number): Promise<number[]> {
  const ids = Array.from({ length: count }, () => freshProductId());
  await replicaA.dataSource.query('INSERT INTO products (id, title, image, version) VALUES ?', [
    ids.map((id) => [id, 'Mug', `https://img.example/${id}.png`, 1]),
  ]);
  return ids;
}

/** A like through one replica or the other, alternating, as a load balancer would spread them. */
const likeThrough = (replica: MainService, productId: number, token: string) =>
  request(replica.app).post(`/api/products/${productId}/like`).set('Authorization', `Bearer ${token}`).timeout(5000);

const storeErrors = async (replica: MainService, limiter: string) =>
  sampleValue((await replica.metrics.exposition()).body, 'catalogue_rate_limit_store_errors_total', { limiter });

describe('like limits shared through Redis', () => {
  test('the per-user limit holds across both replicas: of five likes spread over them, exactly three are accepted', async () => {
    const token = await tokenFor(`shared-${Date.now()}`);
    const ids = await products(5);
    const answers = [];
    for (const [i, id] of ids.entries()) answers.push(await likeThrough(i % 2 === 0 ? replicaA : replicaB, id, token));
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 200, 200, 429, 429],
    );
    const refused = answers[3]!;
    assert.equal(refused.body.code, 'rate_limited');
    assert.match(refused.headers['ratelimit-policy'] ?? '', /"likes-user"; q=3; w=60/);
    assert.match(refused.headers['ratelimit'] ?? '', /"likes-user"; r=0; t=\d+/);
    assert.ok(Number(refused.headers['retry-after']) > 0);
  });

  test('with Redis stopped, likes are still answered (never a 5xx, never held) and each replica counts the failures; counting resumes when Redis is back', async () => {
    const ids = await products(4);
    const token = await tokenFor(`outage-${Date.now()}`);
    const before = { a: await storeErrors(replicaA, 'likes-address'), b: await storeErrors(replicaB, 'likes-address') };
    await redis.stop();
    try {
      const answers = [await likeThrough(replicaA, ids[0]!, token), await likeThrough(replicaB, ids[1]!, token)];
      assert.deepEqual(
        answers.map((r) => r.status),
        [200, 200],
        'served uncounted',
      );
      assert.equal(answers[0]!.headers['ratelimit'], undefined, 'no count to report');
      assert.ok((await storeErrors(replicaA, 'likes-address')) > before.a);
      assert.ok((await storeErrors(replicaB, 'likes-address')) > before.b);
    } finally {
      await redis.start();
    }
    // Back: the replicas reconnect on their own, and the answers carry counts again.
    const fresh = await tokenFor(`after-outage-${Date.now()}`);
    const counted = await eventually(
      async () => {
        const res = await likeThrough(replicaA, ids[2]!, fresh);
        return res.headers['ratelimit'] ? res : undefined;
      },
      { what: 'a like counted in Redis again', timeoutMs: 20_000 },
    );
    assert.ok(counted.status === 200 || counted.status === 400, `status ${counted.status}`);
  });

  test('with Redis hung (SIGSTOP), a like is answered after the command timeout rather than held', async () => {
    const [id] = await products(1);
    const token = await tokenFor(`hung-${Date.now()}`);
    const before = await storeErrors(replicaB, 'likes-address');
    redis.pause();
    try {
      const res = await likeThrough(replicaB, id!, token);
      assert.equal(res.status, 200);
      assert.ok((await storeErrors(replicaB, 'likes-address')) > before);
    } finally {
      redis.resume();
    }
  });
});
