import amqplib from 'amqplib';
import fc from 'fast-check';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createAdminApp } from '@catalogue/admin-service/dist/app.module';
import { loadAdminConfig } from '@catalogue/admin-service/dist/config';
import { buildMainService, type MainService } from '@catalogue/main-service/dist/app';
import { loadMainConfig } from '@catalogue/main-service/dist/config';
import { migrateSchema } from '@catalogue/migrations';
import { createDataSource, createLogger, ServiceMessaging, type ConsumeOutcome, type MessagingObserver } from '@catalogue/shared';
import { createTestDatabase, eventually, TEST_RABBITMQ_URL, type TestDatabase } from '@catalogue/shared/testing';
import type { DataSource } from 'typeorm';

/**
 * Seeded and bounded so CI is fast and repeatable; PROPERTY_SEED / PROPERTY_RUNS widen or replay
 * a run (fast-check prints the seed and the shrunk counterexample of a failure).
 */
export function propertyParameters<T>(): fc.Parameters<T> {
  const seed = Number(process.env.PROPERTY_SEED ?? 20261130);
  const numRuns = Number(process.env.PROPERTY_RUNS ?? 10);
  // A run cut short by the time limit has not checked what it claims: that is a failure, not a pass.
  return { seed, numRuns, endOnFailure: true, interruptAfterTimeLimit: 120_000, markInterruptAsFailure: true };
}

/** Counts what messaging reports, so a test knows when every delivery it caused has been settled. */
export class CountingObserver implements MessagingObserver {
  published_ = 0;
  /** Confirmed publishes whose claim rolled back afterwards (each will be published again). */
  rolledBack = 0;
  deliveries = 0;
  readonly outcomes: Record<ConsumeOutcome, number> = { applied: 0, duplicate: 0 };
  deadLetters = 0;

  published(_type: string, count: number): void {
    this.published_ += count;
  }

  claimRolledBack(confirmedRows: number): void {
    this.rolledBack += confirmedRows;
  }

  consumed(info: { outcome: ConsumeOutcome }): void {
    this.deliveries++;
    this.outcomes[info.outcome]++;
  }

  deadLettered(): void {
    this.deadLetters++;
  }

  /** Waits until `n` more deliveries than at `from` were acknowledged or dead-lettered. */
  async settled(from: number, n: number, what: string): Promise<void> {
    await eventually(async () => this.deliveries + this.deadLetters - from >= n, { timeoutMs: 30_000, intervalMs: 20, what });
  }

  mark(): number {
    return this.deliveries + this.deadLetters;
  }
}

const logger = createLogger({ service: 'properties', level: 'silent' });
const common = (namespace: string) => ({ NODE_ENV: 'test', LOG_LEVEL: 'silent', AMQP_NAMESPACE: namespace, OUTBOX_SWEEP_MS: '100' });

export interface RunningMain extends MainService {
  dataSource: DataSource;
  stop(): Promise<void>;
}

/** main-service's real wiring (consumer, relay, routes) on a given database and namespace. */
export async function runMain(
  db: TestDatabase,
  namespace: string,
  observer: MessagingObserver,
  env: Record<string, string> = {},
): Promise<RunningMain> {
  const config = loadMainConfig({ ...db.env, ...common(namespace), JWT_SECRET: PROPERTY_JWT_SECRET, ...env });
  const dataSource = createDataSource({ credentials: db.credentials, poolSize: 5 });
  await dataSource.initialize();
  const service = buildMainService(config, dataSource, logger, { observer });
  await service.messaging.start();
  await service.messaging.ready();
  return {
    ...service,
    dataSource,
    async stop() {
      await service.messaging.stop(2000);
      await dataSource.destroy();
    },
  };
}

export interface RunningAdmin {
  app: NestExpressApplication;
  dataSource: DataSource;
  stop(): Promise<void>;
}

/** admin-service's real wiring (its Nest consumer and relay) on a given database and namespace. */
export async function runAdmin(
  db: TestDatabase,
  namespace: string,
  observer: MessagingObserver,
  env: Record<string, string> = {},
): Promise<RunningAdmin> {
  const config = loadAdminConfig({ ...db.env, ...common(namespace), ...env });
  const dataSource = createDataSource({ credentials: db.credentials, poolSize: 5 });
  await dataSource.initialize();
  const app = await createAdminApp(config, { dataSource, logger, observer });
  await app.startAllMicroservices();
  await app.init();
  // The publisher channel declares the whole topology: nothing published from now on is dropped as unroutable.
  await app.get(ServiceMessaging).ready();
  return {
    app,
    dataSource,
    async stop() {
      await app.close();
    },
  };
}

export const PROPERTY_JWT_SECRET = 'property-secret-for-main-service-0123456789';

export async function migratedDatabase(schema: 'main' | 'admin'): Promise<TestDatabase> {
  const db = await createTestDatabase(`p${schema}`);
  await migrateSchema(schema, db.credentials);
  return db;
}

/** A confirm channel kept open for the whole file: publishing raw events the way a relay would. */
export async function openPublisher(): Promise<{
  publish(exchange: string, routingKey: string, body: object, messageId: string): void;
  confirmed(): Promise<void>;
  close(): Promise<void>;
}> {
  const connection = await amqplib.connect(TEST_RABBITMQ_URL);
  const channel = await connection.createConfirmChannel();
  return {
    publish(exchange, routingKey, body, messageId) {
      channel.publish(exchange, routingKey, Buffer.from(JSON.stringify(body)), {
        persistent: true,
        messageId,
        type: routingKey,
        contentType: 'application/json',
      });
    },
    confirmed: () => channel.waitForConfirms(),
    async close() {
      await channel.close();
      await connection.close();
    },
  };
}

/** The same items, each repeated as often as `copies` says (at least once), in the order `keys` sorts them. */
export function deliveryOrder<T>(items: T[], copies: number[], keys: number[]): T[] {
  const expanded = items.flatMap((item, i) => Array.from({ length: Math.max(1, copies[i] ?? 1) }, () => item));
  return expanded
    .map((item, i) => ({ item, key: keys[i % Math.max(1, keys.length)] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map(({ item }) => item);
}
