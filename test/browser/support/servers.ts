import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createAdminApp } from '@catalogue/admin-service/dist/app.module';
import { TokensService } from '@catalogue/admin-service/dist/auth/tokens.service';
import { loadAdminConfig } from '@catalogue/admin-service/dist/config';
import { UsersService } from '@catalogue/admin-service/dist/users/users.service';
import { buildMainService, type MainService } from '@catalogue/main-service/dist/app';
import { stopServing } from '@catalogue/main-service/dist/http/serving';
import { loadMainConfig } from '@catalogue/main-service/dist/config';
import { migrateSchema } from '@catalogue/migrations';
import { createDataSource, createLogger, topologyFor, type Role, type Topology } from '@catalogue/shared';
import { createTestDatabase, createTestNamespace, TEST_RABBITMQ_URL, type TestDatabase } from '@catalogue/shared/testing';
import type { DataSource } from 'typeorm';
import { PEOPLE } from './people';

export interface RunningSystem {
  /** http://127.0.0.1:<port> of the storefront and public API. */
  mainUrl: string;
  /** http://127.0.0.1:<port> of the admin API; the console is at `${adminUrl}/admin/`. */
  adminUrl: string;
  adminDataSource: DataSource;
  mainDataSource: DataSource;
  topology: Topology;
  /** A token signed by admin's key, as sign-in issues it: for arranging data through the APIs. */
  tokenFor(subject: string, role: Role): Promise<string>;
  /** Adds customers as `npm run setup` seeds users (admin's users have no public sign-up route). */
  addUsers(users: { email: string; name: string }[]): Promise<void>;
  /**
   * Stops main as SIGTERM does (live streams ended, connections closed, consumer stopped), runs
   * `whileDown`, then starts a new main on the same port, database and broker namespace.
   */
  restartMain(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Both services listening on ports of their own, as `npm start` runs them (serving the built
 * storefront and console, main verifying admin's tokens through its JWKS route), each on fresh
 * databases, sharing one fresh broker namespace, with the test people able to sign in.
 */
export async function startServers(): Promise<RunningSystem> {
  const ns = createTestNamespace();
  const [mainDb, adminDb]: TestDatabase[] = await Promise.all([createTestDatabase('main'), createTestDatabase('admin')]);
  await Promise.all([migrateSchema('main', mainDb!.credentials), migrateSchema('admin', adminDb!.credentials)]);
  const common = { NODE_ENV: 'test', LOG_LEVEL: 'silent', AMQP_NAMESPACE: ns.namespace, OUTBOX_SWEEP_MS: '200' };
  const logger = createLogger({ service: 'browser-tests', level: 'silent' });

  // Main's port first, so admin can be told where main is before either is built.
  let mainServer = http.createServer();
  const mainPort = await listen(mainServer);
  const mainUrl = `http://127.0.0.1:${mainPort}`;

  // The operator's broker user for the console's dead-letter replay (the test broker's guest may do everything).
  const adminConfig = loadAdminConfig({ ...adminDb!.env, ...common, MAIN_URL: mainUrl, OPS_RABBITMQ_URL: TEST_RABBITMQ_URL });
  const adminDataSource = createDataSource({ credentials: adminDb!.credentials, poolSize: 5 });
  await adminDataSource.initialize();
  const adminApp: NestExpressApplication = await createAdminApp(adminConfig, { dataSource: adminDataSource, logger });
  await adminApp.startAllMicroservices();
  const adminServer: http.Server = await adminApp.listen(0, '127.0.0.1');
  const adminUrl = `http://127.0.0.1:${(adminServer.address() as AddressInfo).port}`;
  const users = adminApp.get(UsersService);
  await users.ensureUsers(Object.values(PEOPLE).map((p) => ({ email: p.email, name: p.name, password: p.password, role: p.role })));
  const tokens = adminApp.get(TokensService);

  const mainConfig = loadMainConfig({ ...mainDb!.env, ...common, ADMIN_URL: adminUrl, JWT_JWKS_URL: `${adminUrl}/.well-known/jwks.json` });
  const mainDataSource = createDataSource({ credentials: mainDb!.credentials, poolSize: 5 });
  await mainDataSource.initialize();
  const startMain = async (): Promise<MainService> => {
    const service = buildMainService(mainConfig, mainDataSource, logger);
    await service.changes.start();
    await service.messaging.start();
    await service.messaging.ready();
    mainServer.on('request', service.app);
    return service;
  };
  const stopMain = async (service: MainService) => {
    await stopServing(mainServer, service);
    await service.messaging.stop(2000);
    await service.changes.stop();
  };
  let main = await startMain();

  return {
    mainUrl,
    adminUrl,
    adminDataSource,
    mainDataSource,
    topology: topologyFor(ns.namespace),
    tokenFor: async (subject, role) => (await tokens.issue(subject, role)).token,
    async addUsers(added) {
      await users.ensureUsers(added);
    },
    async restartMain(whileDown) {
      await stopMain(main);
      try {
        await whileDown?.();
      } finally {
        mainServer = http.createServer();
        await new Promise<void>((resolve, reject) => {
          mainServer.once('error', reject);
          mainServer.listen(mainPort, '127.0.0.1', resolve);
        });
        main = await startMain();
      }
    },
    async stop() {
      mainServer.closeAllConnections();
      await stopMain(main);
      await mainDataSource.destroy();
      await adminApp.close();
      await Promise.all([mainDb!.drop(), adminDb!.drop()]);
      await ns.cleanup();
    },
  };
}
