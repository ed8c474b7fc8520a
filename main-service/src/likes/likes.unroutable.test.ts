import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { EventTypes, topologyFor } from '@catalogue/shared';
import { createTestNamespace, drainQueue, eventually, sampleValue, withTestChannel } from '@catalogue/shared/testing';
import { freshProductId, startMain, tokenFor, type MainUnderTest } from '../test-support';

/**
 * A fresh broker where provisioning made main's exchange but no queue is bound to it (or a binding
 * was removed by mistake): a like must not be confirmed away and lost. The relay retries a returned
 * row quickly here (200 ms, up to 1 s) so the test sees it delivered once a queue appears.
 */
const ns = createTestNamespace();
const topology = topologyFor(ns.namespace);
const probeQueue = `${ns.namespace}unroutable-likes`;
let main: MainUnderTest;

before(async () => {
  await withTestChannel(async (channel) => {
    await channel.assertExchange(topology.mainExchange, 'topic', { durable: true });
    await channel.assertQueue(probeQueue, { durable: false });
  });
  main = await startMain({
    AMQP_NAMESPACE: ns.namespace,
    AMQP_DECLARE_TOPOLOGY: 'false',
    RUN_CONSUMER: 'false',
    OUTBOX_RETRY_BASE_MS: '200',
    OUTBOX_RETRY_MAX_MS: '1000',
  });
  await main.messaging.ready();
});
after(async () => {
  await main?.stop();
  await withTestChannel((channel) => channel.deleteQueue(probeQueue));
  await ns.cleanup();
});

const metric = async (name: string) =>
  sampleValue((await request(main.app).get('/metrics').expect(200)).text, name, { event_type: EventTypes.ProductLiked, service: 'main' });

describe('a like published to an exchange with nothing bound', () => {
  test('keeps its outbox row and is counted as unroutable; once a queue is bound it is delivered exactly once', async () => {
    const productId = freshProductId();
    await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Vase', 'https://img.example/vase.png', 1)", [
      productId,
    ]);
    await request(main.app)
      .post(`/api/products/${productId}/like`)
      .set('Authorization', `Bearer ${await tokenFor('unroutable-user')}`)
      .expect(200);
    const [like] = (await main.dataSource.query('SELECT id FROM likes WHERE product_id = ?', [productId])) as { id: string }[];

    // The broker confirmed it, but returned it first: it stays, tried again and again, and is never counted as published.
    await eventually(async () => ((await metric('catalogue_events_unroutable_total')) ?? 0) >= 2, {
      what: 'the like returned at least twice',
    });
    const rows: { event_id: string; attempts: number }[] = await main.dataSource.query('SELECT event_id, attempts FROM outbox');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.event_id, like!.id);
    assert.ok(Number(rows[0]!.attempts) >= 2, 'each return pushes its next try back');
    assert.equal(await metric('catalogue_events_published_total'), 0);

    await withTestChannel((channel) => channel.bindQueue(probeQueue, topology.mainExchange, EventTypes.ProductLiked));
    await eventually(async () => ((await main.dataSource.query('SELECT id FROM outbox')) as unknown[]).length === 0, {
      timeoutMs: 15_000,
      what: 'the like published once a queue is bound',
    });
    assert.equal(await metric('catalogue_events_published_total'), 1);

    // A second like, published after the first left the outbox, marks the end of what could arrive.
    const second = freshProductId();
    await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Jug', 'https://img.example/jug.png', 1)", [
      second,
    ]);
    await request(main.app)
      .post(`/api/products/${second}/like`)
      .set('Authorization', `Bearer ${await tokenFor('unroutable-user')}`)
      .expect(200);
    const ids: string[] = [];
    await eventually(
      async () => {
        for (const message of await drainQueue(probeQueue)) ids.push(String(message.properties.messageId));
        return ids.length >= 2;
      },
      { what: 'both likes in the queue' },
    );
    assert.equal(ids.filter((id) => id === like!.id).length, 1, 'the returned like arrived exactly once');
    assert.equal(ids.length, 2);
  });
});
