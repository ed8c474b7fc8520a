import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../logging/logger';
import { eventually, FaultProxy, TEST_RABBITMQ_URL } from '../testing';
import { Broker } from './broker';

test('closing a connection to a broker that went silent gives up after its timeout instead of hanging shutdown', async () => {
  const target = new URL(TEST_RABBITMQ_URL);
  const proxy = new FaultProxy('127.0.0.1', Number(target.port || 5672));
  await proxy.start();
  const broker = new Broker({
    url: `amqp://${target.username}:${target.password}@127.0.0.1:${proxy.port}`,
    connectionName: 'broker-close-test',
    heartbeatSeconds: 60,
    logger: createLogger({ service: 'broker-test', level: 'silent' }),
  });
  try {
    await eventually(async () => broker.isConnected(), { what: 'the connection' });
    proxy.setMode('blackhole');
    const outcome = await Promise.race([
      broker.close(300).then(() => 'closed'),
      // Far beyond the close timeout: only reached if close waits for an answer that never comes.
      new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000).unref()),
    ]);
    assert.equal(outcome, 'closed');
  } finally {
    await proxy.stop();
  }
});
