import { SignJWT } from 'jose';
import type { DataSource } from 'typeorm';
import { migrateSchema } from '@catalogue/migrations';
import { createDataSource, createEvent, createLogger, type EventOf, type EventType } from '@catalogue/shared';
import { createTestDatabase, createTestNamespace, publishRaw, type TestDatabase } from '@catalogue/shared/testing';
import { buildMainService, type MainOptions, type MainService } from './app';
import { loadMainConfig, type MainConfig } from './config';

export const TEST_JWT_SECRET = 'test-secret-for-main-service-0123456789abcdef';

export interface MainUnderTest extends MainService {
  config: MainConfig;
  dataSource: DataSource;
  db: TestDatabase;
  namespace: string;
  stop(): Promise<void>;
}

/** main-service on a database and a broker namespace of its own, messaging started and ready. */
export async function startMain(env: Record<string, string | undefined> = {}, options: MainOptions = {}): Promise<MainUnderTest> {
  const db = await createTestDatabase('main');
  await migrateSchema('main', db.credentials);
  const ns = createTestNamespace();
  const config = loadMainConfig({
    ...db.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    AMQP_NAMESPACE: ns.namespace,
    OUTBOX_SWEEP_MS: '200',
    JWT_SECRET: TEST_JWT_SECRET,
    ...env,
  });
  const dataSource = createDataSource({ credentials: db.credentials, poolSize: 5 });
  await dataSource.initialize();
  const service = buildMainService(config, dataSource, createLogger({ service: 'main-test', level: 'silent' }), options);
  await service.rateLimitCounters.connect();
  await service.messaging.start();
  return {
    ...service,
    config,
    dataSource,
    db,
    namespace: ns.namespace,
    async stop() {
      service.revokedUsers.stop();
      await service.live.closeAll();
      await service.changes.stop();
      await service.rateLimitCounters.close();
      await service.messaging.stop(2000);
      await dataSource.destroy();
      await db.drop();
      await ns.cleanup();
    },
  };
}

/**
 * Another API replica of `main`: the same database, broker namespace and settings (with
 * `overrides`), but its own connections, caches, feed reader and rate-limit counters.
 */
export async function startReplica(
  main: MainUnderTest,
  overrides: Partial<MainConfig> = {},
): Promise<MainService & { stop(): Promise<void> }> {
  const dataSource = createDataSource({ credentials: main.db.credentials, poolSize: 3 });
  await dataSource.initialize();
  const service = buildMainService(
    { ...main.config, ...overrides },
    dataSource,
    createLogger({ service: 'main-replica-test', level: 'silent' }),
  );
  await service.rateLimitCounters.connect();
  await service.messaging.start();
  return {
    ...service,
    async stop() {
      await service.live.closeAll();
      await service.changes.stop();
      await service.rateLimitCounters.close();
      await service.messaging.stop(2000);
      await dataSource.destroy();
    },
  };
}

/** An HS256 token as the tests' main-service accepts it (default issuer and audience). */
export function tokenFor(
  userId: string,
  options: { secret?: string; expiresIn?: string; role?: string; issuer?: string; audience?: string } = {},
): Promise<string> {
  return new SignJWT({ role: options.role ?? 'customer' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(options.issuer ?? 'catalogue-admin')
    .setAudience(options.audience ?? 'catalogue')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

/** Publishes an admin event the way admin's relay would. */
export async function publishAdminEvent<T extends EventType>(
  main: MainUnderTest,
  type: T,
  data: EventOf<T>['data'],
  id?: string,
): Promise<EventOf<T>> {
  const event = createEvent(type, data, id ? { id } : {});
  await publishRaw(main.messaging.topology.adminExchange, type, JSON.stringify(event), { messageId: event.id, type });
  return event;
}

let nextProductId = 1000;
/** A product id no other test in this process uses. */
export function freshProductId(): number {
  return nextProductId++;
}
