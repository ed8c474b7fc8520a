import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import request from 'supertest';
import { EventTypes } from '@catalogue/shared';
import { eventually, openEventStream, sampleValue, type OpenedStream, type StreamMessage } from '@catalogue/shared/testing';
import type { MainConfig } from '../config';
import type { MainService } from '../app';
import { stopServing } from '../http/serving';
import { freshProductId, publishAdminEvent, startMain, startReplica, tokenFor, type MainUnderTest } from '../test-support';

/**
 * Two API replicas on one database, as in production: A serves the streams (its consumer off),
 * B takes likes and runs the consumer. Whatever A's streams say, A heard through the change feed.
 */
type Replica = MainService & { stop(): Promise<void> };
let replicaA: MainUnderTest;
let replicaB: Replica;
let urlA: string;
const servers: { service: Pick<MainService, 'lifecycle' | 'live'>; server: http.Server }[] = [];
const streams: OpenedStream[] = [];

async function serve(service: Pick<MainService, 'app' | 'lifecycle' | 'live'>): Promise<string> {
  const server = http.createServer(service.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ service, server });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A replica of A's own settings plus `overrides`, serving HTTP, its feed started. */
async function extraReplica(overrides: Partial<MainConfig>): Promise<{ replica: Replica; url: string }> {
  const replica = await startReplica(replicaA, { RUN_CONSUMER: false, ...overrides });
  await replica.changes.start();
  extras.push(replica);
  return { replica, url: await serve(replica) };
}
const extras: Replica[] = [];

before(async () => {
  replicaA = await startMain({
    PRODUCT_CHANGES_POLL_MS: '50',
    RUN_CONSUMER: 'false',
    LIVE_COALESCE_MS: '150',
    LIVE_HEARTBEAT_SECONDS: '1',
  });
  await replicaA.changes.start();
  replicaB = await startReplica(replicaA, { RUN_CONSUMER: true });
  await replicaB.messaging.ready();
  urlA = await serve(replicaA);
});
afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
});
after(async () => {
  for (const { server, service } of servers) await stopServing(server, service);
  for (const replica of extras) await replica.stop();
  await replicaB.stop();
  await replicaA.stop();
});

async function open(url: string, options: Parameters<typeof openEventStream>[1] = {}): Promise<OpenedStream> {
  const stream = await openEventStream(`${url}/api/products/stream`, options);
  streams.push(stream);
  return stream;
}

async function liveProduct(title: string): Promise<number> {
  const id = freshProductId();
  await replicaA.dataSource.query('INSERT INTO products (id, title, image, version) VALUES (?, ?, ?, 1)', [
    id,
    title,
    `https://img.example/${id}.png`,
  ]);
  return id;
}

const likeThroughB = async (productId: number, user: string) =>
  request(replicaB.app)
    .post(`/api/products/${productId}/like`)
    .set('Authorization', `Bearer ${await tokenFor(user)}`)
    .expect(200);

const about = (id: number) => (m: StreamMessage) => m.event.startsWith('product_') && (JSON.parse(m.data) as { id: number }).id === id;
const ids = (messages: StreamMessage[]) => messages.filter((m) => m.event.startsWith('product_')).map((m) => Number(m.lastEventId));

describe('GET /api/products/stream', () => {
  test('opens as an event stream that starts with ready at the current position, then sends heartbeats', async () => {
    const stream = await open(urlA);
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
    assert.equal(stream.headers['cache-control'], 'no-store');
    const ready = await stream.next((m) => m.event === 'ready', { what: 'ready' });
    assert.ok(Number(ready.lastEventId) >= 0 && Number(ready.lastEventId) <= replicaA.live.position);
    assert.deepEqual(JSON.parse(ready.data), { position: Number(ready.lastEventId) });
    assert.equal(stream.parser.retryMs, 2000, 'the browser is told when to reconnect');
    await eventually(async () => stream.parser.comments >= 2, { what: 'two heartbeats (one a second here)' });
    stream.close();
  });

  test('a like taken by another replica arrives as the new count, with a message id and nothing about who liked', async () => {
    const id = await liveProduct('Teapot');
    const stream = await open(urlA);
    await stream.next((m) => m.event === 'ready');
    await likeThroughB(id, 'stream-liker');

    const message = await stream.next(about(id), { what: 'the like' });
    assert.equal(message.event, 'product_likes');
    assert.deepEqual(JSON.parse(message.data), { id, likes: 1 });
    assert.match(message.lastEventId, /^\d+$/);
    assert.doesNotMatch(stream.messages.map((m) => m.data).join(''), /stream-liker|userId|user/);
    const metrics = (await replicaA.metrics.exposition()).body;
    assert.ok(sampleValue(metrics, 'catalogue_live_messages_sent_total', { event: 'product_likes' }) >= 1);
    assert.ok(
      sampleValue(metrics, 'catalogue_live_stream_delay_seconds_count', { kind: 'likes' }) >= 1,
      'the delay from commit to stream is measured',
    );
    stream.close();
  });

  test('a product created, renamed and deleted in admin arrives as it is applied, in id order', async () => {
    const stream = await open(urlA);
    await stream.next((m) => m.event === 'ready');
    const id = freshProductId();
    const image = `https://img.example/${id}.png`;
    await publishAdminEvent(replicaA, EventTypes.ProductCreated, { id, title: 'Old lamp', image, version: 1 });
    const created = await stream.next(about(id), { what: 'the creation' });
    assert.equal(created.event, 'product_created');
    assert.deepEqual(JSON.parse(created.data), { id, title: 'Old lamp', image, likes: 0 });
    await publishAdminEvent(replicaA, EventTypes.ProductUpdated, { id, title: 'New lamp', image, version: 2 });
    const renamed = await stream.next((m) => about(id)(m) && m.event === 'product_updated', { what: 'the rename' });
    assert.equal((JSON.parse(renamed.data) as { title: string }).title, 'New lamp');
    await publishAdminEvent(replicaA, EventTypes.ProductDeleted, { id, version: 3 });
    const deleted = await stream.next((m) => about(id)(m) && m.event === 'product_deleted', { what: 'the deletion' });
    assert.deepEqual(JSON.parse(deleted.data), { id });

    const seen = ids(stream.messages);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
      'ids rise',
    );
    assert.equal(new Set(seen).size, seen.length, 'no id twice');
    stream.close();
  });

  test('a reader that reconnects with Last-Event-ID gets what it missed, then live changes, none twice', async () => {
    const id = await liveProduct('Kettle');
    const first = await open(urlA);
    const ready = await first.next((m) => m.event === 'ready');
    first.close();
    await likeThroughB(id, 'missed-1');
    await likeThroughB(id, 'missed-2');
    await publishAdminEvent(replicaA, EventTypes.ProductUpdated, {
      id,
      title: 'Kettle, steel',
      image: `https://img.example/${id}.png`,
      version: 2,
    });
    await eventually(
      async () =>
        ((await replicaA.dataSource.query("SELECT 1 FROM product_changes WHERE product_id = ? AND kind = 'updated'", [id])) as unknown[])
          .length > 0,
      {
        what: 'the rename in the feed',
      },
    );
    await eventually(async () => replicaA.live.position >= Number(ready.lastEventId) + 3, { what: 'A to hear the three changes' });

    const again = await open(urlA, { lastEventId: ready.lastEventId });
    const renamed = await again.next(about(id), { what: 'the replay' });
    assert.equal(
      again.messages.some((m) => m.event === 'ready' || m.event === 'reload'),
      false,
      'a resumed stream neither starts over nor reloads',
    );
    // The likes before the rename are carried by it: the rename states the count too.
    assert.equal(renamed.event, 'product_updated');
    assert.deepEqual(JSON.parse(renamed.data), { id, title: 'Kettle, steel', image: `https://img.example/${id}.png`, likes: 2 });
    await likeThroughB(id, 'live-3');
    const live = await again.next((m) => about(id)(m) && m.event === 'product_likes', { what: 'the live like' });
    assert.deepEqual(JSON.parse(live.data), { id, likes: 3 });
    const seen = ids(again.messages);
    assert.deepEqual(
      seen,
      [...new Set(seen)].sort((a, b) => a - b),
    );
    assert.ok(seen.every((seenId) => seenId > Number(ready.lastEventId)));
    again.close();
  });

  test('a Last-Event-ID the feed no longer holds, or never held, gets reload at the current position', async () => {
    const never = await open(urlA, { lastEventId: String(replicaA.live.position + 1_000_000) });
    const reload = await never.next((m) => m.event === 'reload', { what: 'reload' });
    assert.equal(Number(reload.lastEventId), replicaA.live.position);
    never.close();

    const id = await liveProduct('Pruned');
    const from = replicaA.live.position;
    await likeThroughB(id, 'pruned-1');
    await eventually(async () => replicaA.live.position > from, { what: 'A to hear the like' });
    // What the retention would do after PRODUCT_CHANGES_RETENTION_SECONDS.
    await replicaA.dataSource.query('DELETE FROM product_changes WHERE id <= ?', [from + 1]);
    const pruned = await open(urlA, { lastEventId: String(from) });
    await pruned.next((m) => m.event === 'reload', { what: 'reload after pruning' });
    assert.equal(pruned.messages.some(about(id)), false);
    pruned.close();
  });

  test('?after= resumes like Last-Event-ID; a malformed one, or an unknown parameter, is refused with 400 and no stream', async () => {
    const resumed = await openEventStream(`${urlA}/api/products/stream?after=${replicaA.live.position}`);
    streams.push(resumed);
    assert.equal(resumed.status, 200);
    await eventually(async () => resumed.parser.comments > 0, { what: 'a heartbeat' });
    assert.equal(
      resumed.messages.some((m) => m.event === 'ready' || m.event === 'reload'),
      false,
    );
    resumed.close();

    for (const [query, headers, field] of [
      ['?after=abc', {}, 'after'],
      ['', { 'last-event-id': '12; DROP TABLE' }, 'Last-Event-ID'],
      ['?after=1&follow=yes', {}, 'follow'],
    ] as const) {
      const res = await request(replicaA.app).get(`/api/products/stream${query}`).set(headers);
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'validation_failed');
      assert.equal(res.body.details[0].field, field);
    }
  });
});

describe('bounded cost', () => {
  test('over the limit per address: 429; over the limit per process: 503; both with Retry-After; a closed stream frees its place', async () => {
    const { replica, url } = await extraReplica({ LIVE_STREAMS_PER_ADDRESS: 2, LIVE_STREAMS_MAX: 3 });
    const one = await open(url, { localAddress: '127.0.0.1' });
    await open(url, { localAddress: '127.0.0.1' });
    const third = await open(url, { localAddress: '127.0.0.1' });
    assert.equal(third.status, 429);
    await third.ended;
    assert.equal(third.headers['retry-after'], '30');
    assert.equal((JSON.parse(third.text()) as { code: string }).code, 'too_many_streams');

    const other = await open(url, { localAddress: '127.0.0.2' });
    assert.equal(other.status, 200, 'another address still gets one');
    const full = await open(url, { localAddress: '127.0.0.3' });
    assert.equal(full.status, 503);
    await full.ended;
    assert.equal(full.headers['retry-after'], '10');
    assert.equal((JSON.parse(full.text()) as { code: string }).code, 'streams_at_capacity');

    one.close();
    await eventually(async () => replica.live.size === 2, { what: 'the closed stream to be let go' });
    const later = await open(url, { localAddress: '127.0.0.3' });
    assert.equal(later.status, 200);
    const metrics = (await replica.metrics.exposition()).body;
    assert.equal(sampleValue(metrics, 'catalogue_live_streams_refused_total', { reason: 'address' }), 1);
    assert.equal(sampleValue(metrics, 'catalogue_live_streams_refused_total', { reason: 'capacity' }), 1);
    assert.equal(sampleValue(metrics, 'catalogue_live_streams_open'), 3);
    assert.equal(sampleValue(metrics, 'catalogue_live_streams_limit'), 3);
  });

  test('a reader that stops reading is cut off once it leaves more than the bound unread; the others get everything', async () => {
    const { replica, url } = await extraReplica({ LIVE_STREAM_MAX_BUFFER_KB: 16 });
    const stalled = await open(url, { paused: true, localAddress: '127.0.0.4' });
    const reader = await open(url, { localAddress: '127.0.0.5' });
    await reader.next((m) => m.event === 'ready');
    assert.equal(stalled.status, 200);

    // 40,000 renames of long-titled products in one commit: about 12 MB of messages, more than
    // twice what the kernel's socket buffers took on loopback (about 5 MB) for a reader that takes nothing.
    const count = 40_000;
    const first = freshProductId() + 100_000;
    const rows = Array.from({ length: count }, (_, i) => [
      first + i,
      `${'Long title '.repeat(17)}${i}`,
      `https://img.example/${first + i}.png`,
    ]);
    await replicaA.dataSource.transaction(async (tx) => {
      for (let i = 0; i < count; i += 2000) {
        const slice = rows.slice(i, i + 2000);
        await tx.query('INSERT INTO products (id, title, image, version) VALUES ?', [slice.map((r) => [...r, 1])]);
        await tx.query('INSERT INTO product_changes (product_id, kind) VALUES ?', [slice.map((r) => [r[0], 'updated'])]);
      }
    });

    await reader.next(about(first + count - 1), { timeoutMs: 60_000, what: 'the last rename at the reader that reads' });
    assert.equal(reader.messages.filter((m) => m.event === 'product_updated').length, count, 'every message, none dropped');
    const dropped = async () => sampleValue((await replica.metrics.exposition()).body, 'catalogue_live_slow_readers_dropped_total');
    await eventually(async () => (await dropped()) === 1, { timeoutMs: 30_000, what: 'the stalled reader to be cut off' });
    assert.equal(replica.live.size, 1, 'the reader that reads is still there');
    assert.ok(
      sampleValue((await replica.metrics.exposition()).body, 'catalogue_live_stream_buffered_bytes') < 64 * 1024,
      'nothing piles up for it',
    );
    // The stalled reader sees the end once it reads again: behind what the kernel had taken, not everything.
    stalled.resume();
    await stalled.ended;
    const got = stalled.messages.filter((m) => m.event === 'product_updated').length;
    assert.ok(got < count, `the stalled reader got ${got} of ${count} before it was cut off`);
  });

  test('shutdown ends every stream, telling it when to reconnect, refuses new ones, and the server closes', async () => {
    const { replica, url } = await extraReplica({});
    const a = await open(url);
    const b = await open(url, { lastEventId: String(replica.live.position) });
    await a.next((m) => m.event === 'ready');
    const entry = servers.find((s) => s.service === replica)!;
    servers.splice(servers.indexOf(entry), 1);

    await stopServing(entry.server, replica);
    await Promise.all([a.ended, b.ended]);
    for (const stream of [a, b])
      assert.ok(stream.parser.retryMs! >= 1000 && stream.parser.retryMs! <= 4000, `told to reconnect after ${stream.parser.retryMs} ms`);
    assert.equal(replica.live.size, 0);
    assert.equal(entry.server.listening, false);
    const refused = await request(replica.app).get('/api/products/stream');
    assert.equal(refused.status, 503);
    assert.equal(refused.body.code, 'shutting_down');
    assert.equal(refused.headers['retry-after'], '1');
  });
});
