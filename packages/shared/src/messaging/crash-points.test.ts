import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import amqplib from 'amqplib';
import { TEST_RABBITMQ_URL, uniqueName } from '../testing';
import { armConfirmCrash, crashAt, noCrash, type CrashPoint } from './crash-points';

describe('crash points', () => {
  test('an armed point exits with code 86 when reached, and only that point', () => {
    const exits: number[] = [];
    const hook = crashAt('after-like-commit', (code) => {
      exits.push(code);
      return undefined as never;
    });
    hook('after-consume-commit-before-ack');
    assert.deepEqual(exits, []);
    hook('after-like-commit');
    assert.deepEqual(exits, [86]);
  });

  test('after-publish-before-confirm fires when the broker confirms, before the publisher sees the confirm', async () => {
    const connection = await amqplib.connect(TEST_RABBITMQ_URL);
    try {
      const channel = await connection.createConfirmChannel();
      const queue = uniqueName('crash-point-');
      await channel.assertQueue(queue, { exclusive: true });
      const order: string[] = [];
      armConfirmCrash(channel, (point: CrashPoint) => order.push(point));
      await new Promise<void>((resolve, reject) =>
        channel.sendToQueue(queue, Buffer.from('held'), { persistent: true }, (err) => {
          if (err) return reject(err instanceof Error ? err : new Error(String(err)));
          order.push('publisher saw the confirm');
          resolve();
        }),
      );
      assert.deepEqual(order, ['after-publish-before-confirm', 'publisher saw the confirm']);
      // The broker confirmed, so it holds the message: a crash at that point leaves it there.
      assert.equal((await channel.checkQueue(queue)).messageCount, 1);
    } finally {
      await connection.close();
    }
  });

  test('a confirm that follows a return (unroutable: the broker does not hold it) does not fire it', async () => {
    const connection = await amqplib.connect(TEST_RABBITMQ_URL);
    try {
      const channel = await connection.createConfirmChannel();
      const exchange = uniqueName('crash-point-unbound-');
      await channel.assertExchange(exchange, 'topic', { autoDelete: true, durable: false });
      const fired: string[] = [];
      armConfirmCrash(channel, (point: CrashPoint) => fired.push(point));
      await new Promise<void>((resolve, reject) =>
        channel.publish(exchange, 'nobody.listens', Buffer.from('returned'), { mandatory: true }, (err) =>
          err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
        ),
      );
      assert.deepEqual(fired, []);
      await channel.deleteExchange(exchange);
    } finally {
      await connection.close();
    }
  });

  test('with no crash point armed, nothing listens to confirms', async () => {
    const connection = await amqplib.connect(TEST_RABBITMQ_URL);
    try {
      const channel = await connection.createConfirmChannel();
      const listeners = channel.listenerCount('ack');
      armConfirmCrash(channel, noCrash);
      assert.equal(channel.listenerCount('ack'), listeners);
    } finally {
      await connection.close();
    }
  });
});
