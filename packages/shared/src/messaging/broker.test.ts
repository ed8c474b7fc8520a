import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger } from '../logging/logger';
import { eventually, FaultProxy, TEST_RABBITMQ_URL } from '../testing';
import { Broker, brokerLossReason } from './broker';
import type { BrokerConnectionEvent } from './observer';

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

describe('what the broker connection reports to its observer', () => {
  const events: BrokerConnectionEvent[] = [];
  const observer = { broker: (event: BrokerConnectionEvent) => events.push(event) };
  const logger = createLogger({ service: 'broker-test', level: 'silent' });

  test('a silent network is a heartbeat timeout; a dropped connection is a lost connection', async () => {
    const target = new URL(TEST_RABBITMQ_URL);
    const proxy = new FaultProxy('127.0.0.1', Number(target.port || 5672));
    await proxy.start();
    const broker = new Broker({
      url: `amqp://${target.username}:${target.password}@127.0.0.1:${proxy.port}`,
      connectionName: 'broker-events-test',
      heartbeatSeconds: 1,
      logger,
      role: 'publisher',
      observer,
    });
    try {
      await eventually(async () => broker.isConnected(), { what: 'the connection' });
      proxy.setMode('blackhole');
      await eventually(
        async () => events.some((e) => e.event === 'lost' && e.reason === 'heartbeat_timeout' && e.connection === 'publisher'),
        { timeoutMs: 20_000, what: 'a heartbeat timeout' },
      );
      proxy.setMode('pass');
      proxy.cutAll();
      await eventually(async () => broker.isConnected(), { timeoutMs: 20_000, what: 'the reconnection' });
      proxy.cutAll();
      await eventually(async () => events.some((e) => e.event === 'lost' && e.reason === 'connection_lost'), { what: 'a lost connection' });
    } finally {
      await broker.close(1000);
      await proxy.stop();
    }
  });

  test('a refused connection attempt is reported as a failed connect', async () => {
    const closed = new FaultProxy('127.0.0.1', 1);
    const port = await closed.start();
    await closed.stop();
    const broker = new Broker({
      url: `amqp://guest:guest@127.0.0.1:${port}`,
      connectionName: 'broker-refused-test',
      heartbeatSeconds: 60,
      logger,
      role: 'consumer',
      observer,
    });
    try {
      await eventually(async () => events.some((e) => e.event === 'connect_failed' && e.connection === 'consumer'), {
        what: 'a failed connect',
      });
    } finally {
      await broker.close(1000);
    }
  });

  test('a close the broker sends (320 CONNECTION_FORCED) is told apart from a heartbeat timeout and a dropped socket', () => {
    const forced = Object.assign(
      new Error('Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - broker forced connection closure"'),
      { code: 320 },
    );
    assert.equal(brokerLossReason(forced), 'closed_by_broker');
    assert.equal(brokerLossReason(new Error('Heartbeat timeout')), 'heartbeat_timeout');
    assert.equal(brokerLossReason(new Error('Unexpected close')), 'connection_lost');
    assert.equal(brokerLossReason(undefined), 'connection_lost');
  });
});
