import amqplib from 'amqplib';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { migrateSchema } from '@catalogue/migrations';
import {
  createDataSource,
  createEvent,
  createLogger,
  EventTypes,
  parseEvent,
  topologyFor,
  type CatalogueEvent,
  type ProductLiked,
  type ProductUnliked,
  type TokenRole,
  type Topology,
} from '@catalogue/shared';
import {
  createTestDatabase,
  createTestNamespace,
  drainQueue,
  eventually,
  publishRaw,
  TEST_RABBITMQ_URL,
  waitForConsumer,
  type TestDatabase,
} from '@catalogue/shared/testing';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createAdminApp } from './app.module';
import { TokensService } from './auth/tokens.service';
import { loadAdminConfig, type AdminConfig } from './config';

export interface AdminUnderTest {
  app: NestExpressApplication;
  /** The app's HTTP server, for supertest (anonymous requests). */
  http: ReturnType<NestExpressApplication['getHttpServer']>;
  /** Supertest on the app, every request carrying a staff token. */
  api: ReturnType<typeof request.agent>;
  /** A bearer token for a user and role, signed by this app's key. */
  tokenFor(subject: string, role: TokenRole, ttlSeconds?: number): Promise<string>;
  config: AdminConfig;
  /** A connection of the test's own, for arranging and asserting rows (the app closes its own). */
  db: DataSource;
  topology: Topology;
  /** Every event read so far from main's queue in this namespace (what admin published). */
  published: CatalogueEvent[];
  /** Shuts the app down as a signal would (once, however often it is called); `stop()` also cleans up. */
  close(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * admin-service on a database and a broker namespace of its own, with its consumer subscribed and
 * its relay running, as main.ts starts it (without listening: supertest binds a port itself).
 */
export async function startAdmin(
  env: Record<string, string> = {},
  options: { waitForConsumer?: boolean; databasePort?: number } = {},
): Promise<AdminUnderTest> {
  const database: TestDatabase = await createTestDatabase('admin');
  await migrateSchema('admin', database.credentials);
  const ns = createTestNamespace();
  const config = loadAdminConfig({
    ...database.env,
    AMQP_NAMESPACE: ns.namespace,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    OUTBOX_SWEEP_MS: '200',
    ...env,
  });
  // The app may reach its database through another port (a test's fault proxy); the test's own connection never does.
  const appDataSource = createDataSource({
    credentials: { ...database.credentials, port: options.databasePort ?? database.credentials.port },
    poolSize: 5,
  });
  await appDataSource.initialize();
  const db = createDataSource({ credentials: database.credentials, poolSize: 2 });
  await db.initialize();
  const app = await createAdminApp(config, { dataSource: appDataSource, logger: createLogger({ service: 'admin-test', level: 'silent' }) });
  await app.startAllMicroservices();
  await app.init();
  const topology = topologyFor(config.AMQP_NAMESPACE);
  if (config.RUN_CONSUMER && options.waitForConsumer !== false) await waitForConsumer(topology.adminQueue);
  const tokens = app.get(TokensService);
  const tokenFor = async (subject: string, role: TokenRole, ttlSeconds?: number) => (await tokens.issue(subject, role, ttlSeconds)).token;
  const http = app.getHttpServer();
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= app.close());
  return {
    app,
    http,
    api: request.agent(http).set('authorization', `Bearer ${await tokenFor('1', 'staff')}`),
    tokenFor,
    config,
    db,
    topology,
    published: [],
    close,
    async stop() {
      await close();
      await db.destroy();
      await database.drop();
      await ns.cleanup();
    },
  };
}

/** Reads main's queue until `found` picks an event out of everything admin published so far. */
export async function waitForPublished<T extends CatalogueEvent>(
  admin: AdminUnderTest,
  found: (event: CatalogueEvent) => event is T,
  what: string,
): Promise<T>;
export async function waitForPublished(
  admin: AdminUnderTest,
  found: (event: CatalogueEvent) => boolean,
  what: string,
): Promise<CatalogueEvent>;
export async function waitForPublished(
  admin: AdminUnderTest,
  found: (event: CatalogueEvent) => boolean,
  what: string,
): Promise<CatalogueEvent> {
  return eventually(
    async () => {
      for (const message of await drainQueue(admin.topology.mainQueue)) {
        const parsed = parseEvent(JSON.parse(message.content.toString('utf8')));
        if (!parsed.ok) throw new Error(`admin published an off-contract message: ${parsed.reason}`);
        admin.published.push(parsed.event);
      }
      return admin.published.find(found);
    },
    { what },
  );
}

/**
 * Everything admin has published up to now: creates a marker product and waits for its event, which
 * the relay publishes after any event committed before it.
 */
export async function publishedUpToNow(admin: AdminUnderTest): Promise<CatalogueEvent[]> {
  const marker = await admin.api.post('/api/products').send(aProduct()).expect(201);
  await waitForPublished(admin, (e) => e.type === EventTypes.ProductCreated && e.data.id === marker.body.id, 'the marker product_created');
  return admin.published;
}

/** Ready messages in a queue (deliveries in flight are not counted). */
export async function readyMessages(queue: string): Promise<number> {
  const connection = await amqplib.connect(TEST_RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    const { messageCount } = await channel.checkQueue(queue);
    await channel.close();
    return messageCount;
  } finally {
    await connection.close();
  }
}

/** Publishes a like the way main's relay would. */
export async function publishLike(admin: AdminUnderTest, data: ProductLiked['data'], id?: string): Promise<ProductLiked> {
  const event = createEvent(EventTypes.ProductLiked, data, id ? { id } : {});
  await publishRaw(admin.topology.mainExchange, EventTypes.ProductLiked, JSON.stringify(event), { messageId: event.id, type: event.type });
  return event;
}

/** Publishes the removal of a like the way main's relay would (a fresh event id unless given). */
export async function publishUnlike(admin: AdminUnderTest, data: ProductUnliked['data'], id?: string): Promise<ProductUnliked> {
  const event = createEvent(EventTypes.ProductUnliked, data, id ? { id } : {});
  await publishRaw(admin.topology.mainExchange, EventTypes.ProductUnliked, JSON.stringify(event), {
    messageId: event.id,
    type: event.type,
  });
  return event;
}

let counter = 0;
/** A product body no other test uses. */
export function aProduct(overrides: Partial<{ title: string; image: string }> = {}): { title: string; image: string } {
  counter++;
  return { title: `Product ${counter} ${Date.now().toString(36)}`, image: `https://img.example.com/${counter}.png`, ...overrides };
}
