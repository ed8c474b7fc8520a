export * from './fault-proxy';
export * from './metrics';
export * from './processes';
export * from './secrets-manager';
export * from './database-users';
export * from './redis';
export * from './event-stream';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import amqplib from 'amqplib';
import type { DatabaseCredentials } from '../config/secrets';
import type { ManagementEndpoint } from '../messaging/management-api';
import { topologyFor } from '../messaging/topology';

/** Where tests reach MariaDB/MySQL as a user allowed to create databases (root locally). */
export const TEST_DB = {
  host: process.env.TEST_DB_HOST ?? '127.0.0.1',
  port: Number(process.env.TEST_DB_PORT ?? 3306),
  user: process.env.TEST_DB_USER ?? 'root',
  password: process.env.TEST_DB_PASSWORD ?? '',
};
export const TEST_RABBITMQ_URL = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * The test broker's management HTTP API (the `rabbitmq_management` plugin, which `.ci/run`
 * enables), as the same administrator as TEST_RABBITMQ_URL: provisioning goes through it.
 */
export const TEST_RABBITMQ_MANAGEMENT: ManagementEndpoint = {
  url: process.env.TEST_RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672',
  username: decodeURIComponent(new URL(TEST_RABBITMQ_URL).username),
  password: decodeURIComponent(new URL(TEST_RABBITMQ_URL).password),
};

export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export interface TestDatabase {
  credentials: DatabaseCredentials;
  /** The environment a service reads for this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own for one test file; dropped afterwards. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const database = uniqueName(`t_${label}_`);
  const admin = await mysql.createConnection({ ...TEST_DB });
  try {
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const credentials = { ...TEST_DB, database };
  return {
    credentials,
    env: { DB_HOST: TEST_DB.host, DB_PORT: String(TEST_DB.port), DB_USER: TEST_DB.user, DB_PASSWORD: TEST_DB.password, DB_NAME: database },
    async drop() {
      const conn = await mysql.createConnection({ ...TEST_DB });
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await conn.end();
      }
    },
  };
}

/** A broker namespace of its own for one test file; its exchanges and queues are deleted afterwards. */
export function createTestNamespace(): { namespace: string; cleanup(): Promise<void> } {
  const namespace = `${uniqueName('t')}.`;
  return {
    namespace,
    async cleanup() {
      const topology = topologyFor(namespace);
      const connection = await amqplib.connect(TEST_RABBITMQ_URL);
      try {
        const channel = await connection.createChannel();
        for (const queue of [topology.mainQueue, topology.adminQueue, topology.mainDeadLetterQueue, topology.adminDeadLetterQueue]) {
          await channel.deleteQueue(queue);
        }
        for (const exchange of [topology.mainExchange, topology.adminExchange, topology.deadLetterExchange]) {
          await channel.deleteExchange(exchange);
        }
        await channel.close();
      } finally {
        await connection.close();
      }
    },
  };
}

/** Polls until `check` returns a truthy value or the deadline passes; returns that value. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${options.what ?? 'a condition'}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** Reads raw messages from a queue without a service in between (for dead-letter and publish assertions). */
export async function drainQueue(queue: string, options: { max?: number } = {}): Promise<amqplib.GetMessage[]> {
  const connection = await amqplib.connect(TEST_RABBITMQ_URL);
  const messages: amqplib.GetMessage[] = [];
  // A channel the broker closes (a queue not there, or not there yet) also emits 'error': without a
  // listener that is an uncaught exception, when the rejected get below is what callers handle.
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    for (let i = 0; i < (options.max ?? 1000); i++) {
      const message = await channel.get(queue, { noAck: true });
      if (!message) break;
      messages.push(message);
    }
    await channel.close();
  } finally {
    await connection.close();
  }
  return messages;
}

/** Runs `work` on a channel of its own to the test broker (declare, bind, delete what a test needs). */
export async function withTestChannel<T>(work: (channel: amqplib.Channel) => Promise<T>): Promise<T> {
  const connection = await amqplib.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    const result = await work(channel);
    await channel.close();
    return result;
  } finally {
    await connection.close();
  }
}

/** Waits until the queue has a consumer: its topology exists, so nothing published to it is dropped. */
export async function waitForConsumer(queue: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const connection = await amqplib.connect(TEST_RABBITMQ_URL);
  // Checking a queue that does not exist yet closes the channel with an error; that is the expected "not yet".
  connection.on('error', () => undefined);
  try {
    await eventually(
      async () => {
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        try {
          return (await channel.checkQueue(queue)).consumerCount > 0;
        } finally {
          await channel.close().catch(() => undefined);
        }
      },
      { timeoutMs: options.timeoutMs, what: `a consumer on ${queue}` },
    );
  } finally {
    await connection.close();
  }
}

/** Publishes raw bytes as a hostile or buggy producer would. */
export async function publishRaw(
  exchange: string,
  routingKey: string,
  content: Buffer | string,
  properties: amqplib.Options.Publish = {},
): Promise<void> {
  const connection = await amqplib.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createConfirmChannel();
    channel.publish(exchange, routingKey, Buffer.isBuffer(content) ? content : Buffer.from(content), { persistent: true, ...properties });
    await channel.waitForConfirms();
    await channel.close();
  } finally {
    await connection.close();
  }
}
