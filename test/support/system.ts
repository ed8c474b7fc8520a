import type { NestExpressApplication } from '@nestjs/platform-express';
import { createAdminApp } from '@catalogue/admin-service/dist/app.module';
import { TokensService } from '@catalogue/admin-service/dist/auth/tokens.service';
import { loadAdminConfig } from '@catalogue/admin-service/dist/config';
import { buildMainService, type MainService } from '@catalogue/main-service/dist/app';
import { loadMainConfig } from '@catalogue/main-service/dist/config';
import { dropRuntimeUser, ensureRuntimeUser, migrateSchema } from '@catalogue/migrations';
import mysql from 'mysql2/promise';
import {
  createLogger,
  openDatabase,
  provisionBroker,
  removeBrokerUser,
  topologyFor,
  type TokenRole,
  type Topology,
} from '@catalogue/shared';
import {
  createTestDatabase,
  createTestNamespace,
  FaultProxy,
  TEST_DB,
  TEST_RABBITMQ_MANAGEMENT,
  TEST_RABBITMQ_URL,
  uniqueName,
  type TestDatabase,
} from '@catalogue/shared/testing';
import request from 'supertest';
import type { DataSource } from 'typeorm';

export interface SystemUnderTest {
  main: MainService & { dataSource: DataSource };
  admin: {
    app: NestExpressApplication;
    http: ReturnType<NestExpressApplication['getHttpServer']>;
    /** Supertest on admin with a staff token on every request. */
    api: ReturnType<typeof request.agent>;
    dataSource: DataSource;
  };
  /** A token signed by admin's key, as sign-in would issue it. */
  tokenFor(subject: string, role: TokenRole): Promise<string>;
  topology: Topology;
  namespace: string;
  /** Each service's own database name, e.g. to tell their statements apart in traces. */
  databases: { main: string; admin: string };
  /** Sits between main-service and RabbitMQ, so a test can cut main off from the broker. */
  mainBrokerProxy: FaultProxy;
  stop(): Promise<void>;
}

export interface SystemOptions {
  /** Provision the namespace first and run each service as its own least-privilege broker user, declaring nothing. */
  leastPrivilegeBroker?: boolean;
  /** Extra environment per service (e.g. sentinel secrets). */
  env?: { main?: Record<string, string>; admin?: Record<string, string> };
  /** Broker passwords of the least-privilege users (random by default). */
  brokerPasswords?: { main: string; admin: string };
  /** Run each service as a run-time database user (row privileges on its own schema) with this password. */
  dbPasswords?: { main: string; admin: string };
  /** Where each service logs (silent by default). */
  logDestination?: { write(line: string): void };
}

/** Both services in this process, each on its own database, sharing one broker namespace. */
export async function startSystem(options: SystemOptions = {}): Promise<SystemUnderTest> {
  const ns = createTestNamespace();
  const brokerUsers: Record<'main' | 'admin', { name: string; password: string }> | undefined = options.leastPrivilegeBroker
    ? {
        main: { name: uniqueName('tmain_'), password: options.brokerPasswords?.main ?? uniqueName('main-pw-') },
        admin: { name: uniqueName('tadmin_'), password: options.brokerPasswords?.admin ?? uniqueName('admin-pw-') },
      }
    : undefined;
  if (brokerUsers)
    await provisionBroker({ management: TEST_RABBITMQ_MANAGEMENT, namespace: ns.namespace, deliveryLimit: 10, users: brokerUsers });
  const brokerEnv = (service: 'main' | 'admin', url = new URL(TEST_RABBITMQ_URL)): Record<string, string> => {
    if (!brokerUsers) return { RABBITMQ_URL: url.toString() };
    url.username = brokerUsers[service].name;
    url.password = brokerUsers[service].password;
    return { RABBITMQ_URL: url.toString(), AMQP_DECLARE_TOPOLOGY: 'false' };
  };
  const [mainDb, adminDb]: TestDatabase[] = await Promise.all([createTestDatabase('main'), createTestDatabase('admin')]);
  await Promise.all([migrateSchema('main', mainDb!.credentials), migrateSchema('admin', adminDb!.credentials)]);
  const dbUsers = options.dbPasswords ? { main: uniqueName('tm_'), admin: uniqueName('ta_') } : undefined;
  const dbEnv = (service: 'main' | 'admin'): Record<string, string> => {
    if (!dbUsers || !options.dbPasswords) return {};
    return { DB_USER: dbUsers[service], DB_PASSWORD: options.dbPasswords[service] };
  };
  if (dbUsers && options.dbPasswords) {
    const root = await mysql.createConnection({ ...TEST_DB });
    try {
      await ensureRuntimeUser(root, mainDb!.credentials.database, dbUsers.main, options.dbPasswords.main);
      await ensureRuntimeUser(root, adminDb!.credentials.database, dbUsers.admin, options.dbPasswords.admin);
    } finally {
      await root.end();
    }
  }
  const broker = new URL(TEST_RABBITMQ_URL);
  const mainBrokerProxy = new FaultProxy(broker.hostname, Number(broker.port || 5672));
  const proxyPort = await mainBrokerProxy.start();
  const common = { NODE_ENV: 'test', LOG_LEVEL: 'silent', AMQP_NAMESPACE: ns.namespace, OUTBOX_SWEEP_MS: '200' };
  const logger = options.logDestination
    ? createLogger({ service: 'e2e', level: 'debug', destination: options.logDestination })
    : createLogger({ service: 'e2e', level: 'silent' });

  const adminConfig = loadAdminConfig({ ...adminDb!.env, ...common, ...dbEnv('admin'), ...brokerEnv('admin'), ...options.env?.admin });
  // Opened as the services' runtime opens it: credentials from the configuration or DB_SECRET_ID's secret.
  const adminDataSource = await openDatabase({ ...adminConfig, DB_POOL_SIZE: 5 }, adminConfig.DB_NAME, logger, { maxWaitMs: 20_000 });
  const adminApp = await createAdminApp(adminConfig, { dataSource: adminDataSource, logger });
  await adminApp.startAllMicroservices();
  // Listening for real: main fetches admin's signing keys from its JWKS route, as in production.
  await adminApp.listen(0, '127.0.0.1');
  const adminUrl = await adminApp.getUrl();
  const tokens = adminApp.get(TokensService);
  const tokenFor = async (subject: string, role: TokenRole) => (await tokens.issue(subject, role)).token;

  const mainBrokerUrl = new URL(TEST_RABBITMQ_URL);
  mainBrokerUrl.port = String(proxyPort);
  mainBrokerUrl.hostname = '127.0.0.1';
  const mainConfig = loadMainConfig({
    ...mainDb!.env,
    ...common,
    ADMIN_URL: adminUrl,
    JWT_JWKS_URL: `${adminUrl}/.well-known/jwks.json`,
    ...dbEnv('main'),
    ...brokerEnv('main', mainBrokerUrl),
    ...options.env?.main,
  });
  const mainDataSource = await openDatabase({ ...mainConfig, DB_POOL_SIZE: 5 }, mainConfig.DB_NAME, logger, { maxWaitMs: 20_000 });
  const main = buildMainService(mainConfig, mainDataSource, logger);
  await main.rateLimitCounters.connect();
  await main.messaging.start();
  await main.messaging.ready();

  return {
    main: { ...main, dataSource: mainDataSource },
    admin: {
      app: adminApp,
      http: adminApp.getHttpServer(),
      api: request.agent(adminApp.getHttpServer()).set('authorization', `Bearer ${await tokenFor('1', 'staff')}`),
      dataSource: adminDataSource,
    },
    tokenFor,
    topology: topologyFor(ns.namespace),
    namespace: ns.namespace,
    databases: { main: mainDb!.credentials.database, admin: adminDb!.credentials.database },
    mainBrokerProxy,
    async stop() {
      main.revokedUsers.stop();
      await main.messaging.stop(2000);
      await main.rateLimitCounters.close();
      await mainDataSource.destroy();
      await adminApp.close();
      await mainBrokerProxy.stop();
      await Promise.all([mainDb!.drop(), adminDb!.drop()]);
      await ns.cleanup();
      if (brokerUsers)
        await Promise.all([
          removeBrokerUser(TEST_RABBITMQ_MANAGEMENT, brokerUsers.main.name),
          removeBrokerUser(TEST_RABBITMQ_MANAGEMENT, brokerUsers.admin.name),
        ]);
      if (dbUsers) {
        const root = await mysql.createConnection({ ...TEST_DB });
        try {
          await dropRuntimeUser(root, dbUsers.main);
          await dropRuntimeUser(root, dbUsers.admin);
        } finally {
          await root.end();
        }
      }
    },
  };
}
