import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createAdminApp } from '@catalogue/admin-service/dist/app.module';
import { loadAdminConfig } from '@catalogue/admin-service/dist/config';
import { buildMainService } from '@catalogue/main-service/dist/app';
import { loadMainConfig } from '@catalogue/main-service/dist/config';
import { migrateSchema } from '@catalogue/migrations';
import { createDataSource, createLogger, topologyFor, type Topology } from '@catalogue/shared';
import { createTestDatabase, createTestNamespace, type TestDatabase } from '@catalogue/shared/testing';
import type { DataSource } from 'typeorm';

export const BROWSER_JWT_SECRET = 'browser-test-secret-for-main-0123456789abcdef';

export interface RunningSystem {
  /** http://127.0.0.1:<port> of the storefront and public API. */
  mainUrl: string;
  /** http://127.0.0.1:<port> of the admin API; the console is at `${adminUrl}/admin/`. */
  adminUrl: string;
  adminDataSource: DataSource;
  mainDataSource: DataSource;
  topology: Topology;
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
 * storefront and console), each on fresh databases, sharing one fresh broker namespace.
 */
export async function startServers(): Promise<RunningSystem> {
  const ns = createTestNamespace();
  const [mainDb, adminDb]: TestDatabase[] = await Promise.all([createTestDatabase('main'), createTestDatabase('admin')]);
  await Promise.all([migrateSchema('main', mainDb!.credentials), migrateSchema('admin', adminDb!.credentials)]);
  const common = { NODE_ENV: 'test', LOG_LEVEL: 'silent', AMQP_NAMESPACE: ns.namespace, OUTBOX_SWEEP_MS: '200' };
  const logger = createLogger({ service: 'browser-tests', level: 'silent' });

  // Main's port first, so admin can be told where main is before either is built.
  const mainServer = http.createServer();
  const mainPort = await listen(mainServer);
  const mainUrl = `http://127.0.0.1:${mainPort}`;

  const adminConfig = loadAdminConfig({ ...adminDb!.env, ...common, MAIN_URL: mainUrl });
  const adminDataSource = createDataSource({ credentials: adminDb!.credentials, poolSize: 5 });
  await adminDataSource.initialize();
  const adminApp: NestExpressApplication = await createAdminApp(adminConfig, { dataSource: adminDataSource, logger });
  await adminApp.startAllMicroservices();
  const adminServer: http.Server = await adminApp.listen(0, '127.0.0.1');
  const adminUrl = `http://127.0.0.1:${(adminServer.address() as AddressInfo).port}`;

  const mainConfig = loadMainConfig({ ...mainDb!.env, ...common, JWT_SECRET: BROWSER_JWT_SECRET, ADMIN_URL: adminUrl });
  const mainDataSource = createDataSource({ credentials: mainDb!.credentials, poolSize: 5 });
  await mainDataSource.initialize();
  const main = buildMainService(mainConfig, mainDataSource, logger);
  await main.messaging.start();
  await main.messaging.ready();
  mainServer.on('request', main.app);

  return {
    mainUrl,
    adminUrl,
    adminDataSource,
    mainDataSource,
    topology: topologyFor(ns.namespace),
    async stop() {
      mainServer.closeAllConnections();
      await new Promise((resolve) => mainServer.close(resolve));
      await main.messaging.stop(2000);
      await mainDataSource.destroy();
      await adminApp.close();
      await Promise.all([mainDb!.drop(), adminDb!.drop()]);
      await ns.cleanup();
    },
  };
}
