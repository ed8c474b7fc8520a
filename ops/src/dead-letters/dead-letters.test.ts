import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import amqplib from 'amqplib';
import { createEvent, EventTypes, listDeadLetters, replayDeadLetters, replayTargetOf } from '@catalogue/shared';
import { eventually, publishRaw, TEST_RABBITMQ_URL } from '@catalogue/shared/testing';
import { freshProductId, publishAdminEvent, startMain, type MainUnderTest } from '@catalogue/main-service/dist/test-support';

let main: MainUnderTest;
let connection: amqplib.ChannelModel;

before(async () => {
  // One delivery allowed past the first: a message that keeps failing is dead-lettered by the broker quickly.
  main = await startMain({ AMQP_DELIVERY_LIMIT: '1', AMQP_PREFETCH: '1' });
  await main.messaging.ready();
  connection = await amqplib.connect(TEST_RABBITMQ_URL);
});
after(async () => {
  await connection.close();
  await main.stop();
});

const dlq = () => main.messaging.topology.mainDeadLetterQueue;
const snapshot = (id: number, title = 'replayed') => ({ id, title, image: `https://img.example/${id}.png`, version: 1 });

async function storedTitle(id: number): Promise<string | undefined> {
  const rows: { title: string }[] = await main.dataSource.query('SELECT title FROM products WHERE id = ?', [id]);
  return rows[0]?.title;
}

async function depth(queue: string): Promise<number> {
  const channel = await connection.createChannel();
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await channel.close();
  }
}

/** Runs the real CLI against this test's namespace. */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [require.resolve('../dead-letters.js'), ...args],
      {
        env: { PATH: process.env.PATH, RABBITMQ_URL: TEST_RABBITMQ_URL, AMQP_NAMESPACE: main.namespace, NODE_ENV: 'test' },
        encoding: 'utf8',
        timeout: 30_000,
      },
      (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/** Each test starts from an empty dead-letter queue. */
async function emptyDeadLetters(): Promise<void> {
  const channel = await connection.createChannel();
  await channel.purgeQueue(dlq());
  await channel.close();
}

/** What arrived in a queue so far (taken off it). */
async function takeAll(queue: string): Promise<amqplib.GetMessage[]> {
  const channel = await connection.createChannel();
  try {
    const taken: amqplib.GetMessage[] = [];
    for (let message = await channel.get(queue, { noAck: true }); message; message = await channel.get(queue, { noAck: true }))
      taken.push(message);
    return taken;
  } finally {
    await channel.close();
  }
}

describe('dead-letter replay trusts the queue, not the message (a message planted with a service broker user)', () => {
  test("a message in main's dead-letter queue whose headers name admin's exchange is never replayed into admin's queue", async () => {
    await emptyDeadLetters();
    await takeAll(main.messaging.topology.adminQueue);
    const { mainExchange } = main.messaging.topology;
    // Main's broker user may write to the dead-letter exchange: it plants a like for admin in its own dead-letter queue.
    const like = createEvent(EventTypes.ProductLiked, { productId: 1, userId: 'planted' });
    await parkInDeadLetters(like.id, JSON.stringify(like), mainExchange, EventTypes.ProductLiked, EventTypes.ProductLiked);
    // And one that claims admin's exchange with a key main does receive: it may only go to main.
    const product = createEvent(EventTypes.ProductCreated, snapshot(freshProductId(), 'planted product'));
    await parkInDeadLetters(product.id, JSON.stringify(product), mainExchange, EventTypes.ProductCreated);

    // A staff "Replay all" on main's dead letters.
    const outcome = await replayDeadLetters(connection, replayTargetOf(main.messaging.topology, 'main'), () => true, {
      confirmTimeoutMs: 5000,
    });

    assert.equal(
      outcome.exchange,
      main.messaging.topology.adminExchange,
      "main's dead letters go back through the exchange that feeds main's queue",
    );
    assert.deepEqual(
      outcome.failed.map((f) => f.deadLetter.messageId),
      [like.id],
    );
    assert.match(outcome.failed[0]!.error, /not an event the main queue receives/);
    assert.deepEqual(
      outcome.replayed.map((d) => d.messageId),
      [product.id],
    );
    await eventually(async () => (await storedTitle(product.data.id)) === 'planted product', { what: 'the product event applied by main' });
    assert.deepEqual(await takeAll(main.messaging.topology.adminQueue), [], "nothing reached admin's queue");
    assert.deepEqual(
      (await listDeadLetters(connection, dlq())).map((d) => d.messageId),
      [like.id],
      'the planted like stays for an operator to look at',
    );
  });
});

describe('dead letters: list with reasons, replay after a fix', () => {
  test('listing shows each message with its reason and origin and leaves the queue as it was', async () => {
    await emptyDeadLetters();
    const bad = { ...createEvent(EventTypes.ProductCreated, snapshot(freshProductId())), data: { id: -1 } };
    await publishRaw(main.messaging.topology.adminExchange, EventTypes.ProductCreated, JSON.stringify(bad), {
      messageId: bad.id,
      type: bad.type,
    });
    await eventually(async () => (await depth(dlq())) === 1, { what: 'the invalid event in the dead-letter queue' });

    const listed = await listDeadLetters(connection, dlq());
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.messageId, bad.id);
    assert.match(listed[0]!.reason, /^invalid event: data\.id/);
    assert.equal(listed[0]!.originalExchange, main.messaging.topology.adminExchange);
    assert.equal(listed[0]!.originalRoutingKey, EventTypes.ProductCreated);

    const run = await cli('list', '--queue', 'main');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`${bad.id}  product_created  from .*admin\\.events/product_created`));
    assert.match(run.stdout, /reason: invalid event: data\.id/);
    assert.match(run.stdout, /1 dead-lettered message\(s\)/);
    // The listing reads without acknowledging; the broker puts the message back once the command's
    // channel has closed, which a quorum queue does a moment later (a removed message never comes back).
    await eventually(async () => (await depth(dlq())) === 1, {
      timeoutMs: 10_000,
      what: 'the listed message back in the queue: listing removed nothing',
    });
  });

  test('a message the broker dead-lettered at the delivery limit is replayed by id after the fix, applied once and removed', async () => {
    await emptyDeadLetters();
    const id = freshProductId();
    // The bug: main's handler fails on every delivery (its table is missing) until the delivery limit dead-letters the event.
    await main.dataSource.query('RENAME TABLE products TO products_away');
    let event;
    try {
      event = await publishAdminEvent(main, EventTypes.ProductCreated, snapshot(id, 'after the fix'));
      await eventually(async () => (await depth(dlq())) === 1, {
        timeoutMs: 20_000,
        what: 'the event dead-lettered by the delivery limit',
      });
    } finally {
      await main.dataSource.query('RENAME TABLE products_away TO products');
    }
    const [listed] = await listDeadLetters(connection, dlq());
    assert.equal(listed?.messageId, event.id);
    assert.equal(listed?.reason, 'delivery_limit');
    assert.equal(listed?.originalExchange, main.messaging.topology.adminExchange);

    const run = await cli('replay', event.id, '--queue', 'main');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /replayed: 1; failed: 0; not found: 0/);
    await eventually(async () => (await storedTitle(id)) === 'after the fix', { what: 'the replayed event applied' });
    assert.equal(await depth(dlq()), 0);

    const again = await cli('replay', event.id);
    assert.equal(again.status, 1);
    assert.match(again.stdout, new RegExp(`not found: ${event.id}`));
  });

  test('only the chosen messages are replayed; the rest stay', async () => {
    await emptyDeadLetters();
    const chosen = createEvent(EventTypes.ProductCreated, snapshot(freshProductId(), 'chosen'));
    const other = createEvent(EventTypes.ProductCreated, snapshot(freshProductId(), 'other'));
    for (const event of [chosen, other])
      await parkInDeadLetters(event.id, JSON.stringify(event), main.messaging.topology.adminExchange, EventTypes.ProductCreated);
    const outcome = await replayDeadLetters(connection, replayTargetOf(main.messaging.topology, 'main'), (d) => d.messageId === chosen.id, {
      confirmTimeoutMs: 5000,
    });
    assert.deepEqual(
      outcome.replayed.map((d) => d.messageId),
      [chosen.id],
    );
    await eventually(async () => (await storedTitle(chosen.data.id)) === 'chosen');
    assert.deepEqual(
      (await listDeadLetters(connection, dlq())).map((d) => d.messageId),
      [other.id],
    );
    assert.equal(await storedTitle(other.data.id), undefined);
  });

  test('a message that cannot go back (its routing key is not one main receives) stays in the queue and the rest go through', async () => {
    await emptyDeadLetters();
    const good = createEvent(EventTypes.ProductCreated, snapshot(freshProductId(), 'good'));
    await parkInDeadLetters('unroutable', '{}', main.messaging.topology.adminExchange, 'no-binding-for-this');
    await parkInDeadLetters(good.id, JSON.stringify(good), main.messaging.topology.adminExchange, EventTypes.ProductCreated);

    const run = await cli('replay', '--all', '--queue', 'main');
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /FAILED unroutable .*not an event the main queue receives/);
    assert.match(run.stdout, new RegExp(`replayed ${good.id} from .*main\\.dead-letter to .*admin\\.events/product_created`));
    assert.match(run.stdout, /replayed: 1; failed: 1/);
    await eventually(async () => (await storedTitle(good.data.id)) === 'good');
    const left = (await listDeadLetters(connection, dlq())).map((d) => d.messageId).sort();
    assert.deepEqual(left, ['unroutable']);
  });

  test('bad arguments print the usage and exit 2, touching nothing', async () => {
    const run = await cli('replay', 'some-id', '--all');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /usage:/);
  });
});

/** A message as our consumer dead-letters it, put straight into the dead-letter queue. */
async function parkInDeadLetters(
  messageId: string,
  content: string,
  exchange: string,
  routingKey: string,
  type: string = EventTypes.ProductCreated,
): Promise<void> {
  await publishRaw('', dlq(), content, {
    messageId,
    type,
    headers: { 'x-dead-letter-reason': 'handler failed: test', 'x-original-exchange': exchange, 'x-original-routing-key': routingKey },
  });
}
