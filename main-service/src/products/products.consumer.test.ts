import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { createEvent, DEAD_LETTER_REASON_HEADER, EventTypes } from '@catalogue/shared';
import { drainQueue, eventually, publishRaw } from '@catalogue/shared/testing';
import { freshProductId, publishAdminEvent, startMain, type MainUnderTest } from '../test-support';

let main: MainUnderTest;

before(async () => {
  main = await startMain();
  await main.messaging.ready();
});
after(() => main.stop());

const snapshot = (id: number, version: number, title = `v${version}`) => ({
  id,
  title,
  image: `https://img.example/${id}-${version}.png`,
  version,
});

async function stored(id: number): Promise<{ title: string; version: number; deleted: boolean } | undefined> {
  const rows: { title: string; version: number; deleted_at: Date | null }[] = await main.dataSource.query(
    'SELECT title, version, deleted_at FROM products WHERE id = ?',
    [id],
  );
  const row = rows[0];
  return row && { title: row.title, version: Number(row.version), deleted: row.deleted_at !== null };
}

async function processed(eventId: string): Promise<boolean> {
  const rows: unknown[] = await main.dataSource.query('SELECT event_id FROM processed_events WHERE event_id = ?', [eventId]);
  return rows.length === 1;
}

/** A sentinel published after the events under test: once it is applied, everything before it has been handled. */
async function settle(): Promise<void> {
  const sentinel = await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(freshProductId(), 1));
  await eventually(() => processed(sentinel.id), { what: 'the sentinel event' });
}

describe('queue main: product events from admin', () => {
  test('a product_created event makes the product appear in the public API', async () => {
    const id = freshProductId();
    await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(id, 1, 'Chair'));
    const product = await eventually(async () => (await request(main.app).get(`/api/products/${id}`)).body.title === 'Chair' || undefined);
    assert.ok(product);
    const res = await request(main.app).get(`/api/products/${id}`).expect(200);
    assert.deepEqual(res.body, { id, title: 'Chair', image: `https://img.example/${id}-1.png`, likes: 0 });
  });

  test('the same event delivered twice is applied once, even if its copy differs', async () => {
    const id = freshProductId();
    const eventId = randomUUID();
    await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(id, 1, 'first'), eventId);
    await eventually(() => processed(eventId));
    await main.dataSource.query('UPDATE products SET title = ? WHERE id = ?', ['changed locally', id]);
    await publishAdminEvent(main, EventTypes.ProductUpdated, snapshot(id, 2, 'replayed'), eventId);
    await settle();
    assert.equal((await stored(id))?.title, 'changed locally', 'the duplicate id was skipped');
  });

  test('an older version arriving after a newer one changes nothing', async () => {
    const id = freshProductId();
    await publishAdminEvent(main, EventTypes.ProductUpdated, snapshot(id, 3, 'third'));
    await publishAdminEvent(main, EventTypes.ProductUpdated, snapshot(id, 2, 'second'));
    await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(id, 1, 'first'));
    await settle();
    assert.deepEqual(await stored(id), { title: 'third', version: 3, deleted: false });
  });

  test('a delete leaves a tombstone: a late update or create cannot resurrect the product', async () => {
    const id = freshProductId();
    await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(id, 1));
    await publishAdminEvent(main, EventTypes.ProductDeleted, { id, version: 3 });
    await settle();
    await publishAdminEvent(main, EventTypes.ProductUpdated, snapshot(id, 2, 'late'));
    await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(id, 1, 'late create'));
    await settle();
    assert.equal((await stored(id))?.deleted, true);
    await request(main.app).get(`/api/products/${id}`).expect(404);
  });

  test('a delete that arrives before the product ever did still wins', async () => {
    const id = freshProductId();
    await publishAdminEvent(main, EventTypes.ProductDeleted, { id, version: 2 });
    await settle();
    await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(id, 1));
    await settle();
    assert.equal((await stored(id))?.deleted, true);
  });

  test('an invalid message is dead-lettered with its reason and does not block the next good one', async () => {
    const bad = {
      ...createEvent(EventTypes.ProductCreated, snapshot(freshProductId(), 1)),
      data: { id: 'not-a-number', title: '', image: 'ftp://x' },
    };
    await publishRaw(main.messaging.topology.adminExchange, EventTypes.ProductCreated, JSON.stringify(bad));
    await publishRaw(main.messaging.topology.adminExchange, EventTypes.ProductUpdated, '{not json');
    const good = freshProductId();
    await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(good, 1, 'after the poison'));
    await eventually(async () => (await stored(good))?.title === 'after the poison');
    const dead = await eventually(async () => {
      const messages = await drainQueue(main.messaging.topology.mainDeadLetterQueue);
      return messages.length >= 2 ? messages : undefined;
    });
    const reasons = dead.map((m) => String(m.properties.headers?.[DEAD_LETTER_REASON_HEADER]));
    assert.ok(
      reasons.some((r) => r.startsWith('invalid event') && r.includes('data.id')),
      reasons.join(' | '),
    );
    assert.ok(reasons.includes('malformed JSON'), reasons.join(' | '));
    assert.equal(dead[0]!.properties.headers?.['x-original-routing-key'], EventTypes.ProductCreated);
  });

  test('an event of a type main does not consume is dead-lettered, not applied', async () => {
    const like = createEvent(EventTypes.ProductLiked, { productId: 1, userId: 'u' });
    // Straight onto main's queue, as a misrouted or forged message would arrive.
    await publishRaw('', main.messaging.topology.mainQueue, JSON.stringify(like));
    const dead = await eventually(async () => {
      const messages = await drainQueue(main.messaging.topology.mainDeadLetterQueue);
      return messages.length > 0 ? messages : undefined;
    });
    assert.match(String(dead[0]!.properties.headers?.[DEAD_LETTER_REASON_HEADER]), /not consumed/);
    assert.equal(await processed(like.id), false);
  });

  test('forged events (script URL, prototype keys, a wrong source, extra fields, a huge id) are dead-lettered and change nothing', async () => {
    const id = freshProductId();
    const valid = createEvent(EventTypes.ProductCreated, snapshot(id, 1));
    const forgeries = [
      { ...valid, id: randomUUID(), data: { ...valid.data, image: 'javascript:alert(1)' } },
      `{"id":"${randomUUID()}","occurredAt":"${valid.occurredAt}","type":"product_created","source":"admin","data":{"id":${id},"title":"t","image":"https://x.example/x.png","version":1,"__proto__":{"polluted":true}}}`,
      { ...valid, id: randomUUID(), source: 'main' },
      { ...valid, id: randomUUID(), data: { ...valid.data, likes: 1_000_000 } },
      { ...valid, id: randomUUID(), data: { ...valid.data, id: 2 ** 53 } },
      { ...valid, id: randomUUID(), constructor: { prototype: { polluted: true } } },
    ];
    for (const forged of forgeries) {
      await publishRaw(
        main.messaging.topology.adminExchange,
        EventTypes.ProductCreated,
        typeof forged === 'string' ? forged : JSON.stringify(forged),
      );
    }
    const dead = await eventually(async () => {
      const messages = await drainQueue(main.messaging.topology.mainDeadLetterQueue);
      return messages.length >= forgeries.length ? messages : undefined;
    });
    assert.equal(dead.length, forgeries.length);
    await settle();
    assert.equal(await stored(id), undefined, 'no forged product was stored');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
  });

  test('SQL and script text in a valid event is stored as inert text, exactly as sent', async () => {
    const id = freshProductId();
    const title = `Robert'); DROP TABLE products; -- <script>alert(1)</script>`;
    await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(id, 1, title));
    await eventually(async () => (await stored(id))?.title === title, { what: 'the product stored verbatim' });
    const res = await request(main.app).get(`/api/products/${id}`).expect(200);
    assert.equal(res.body.title, title);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });
});
