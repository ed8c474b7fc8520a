import type { Server } from 'node:http';
import {
  applyServerTimeouts,
  checkHealth,
  ConfigError,
  createLogger,
  openDatabase,
  OpsServer,
  readinessRequires,
  type ServiceMetrics,
} from '@catalogue/shared';
import { shutdownTracing } from '@catalogue/shared/tracing';
import { createAdminApp } from './app.module';
import { BROKER_STATUS, Lifecycle, METRICS, type BrokerStatus } from './common/tokens';
import { loadAdminConfig, type AdminConfig } from './config';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Starts admin-service from an environment: the API, consumer and relay, as RUN_* say. Shared by
 * main.ts and consumer.ts so the consumer deployment runs exactly the API's code.
 */
export async function runAdmin(env: Record<string, string | undefined>, role: string): Promise<void> {
  let config: AdminConfig;
  try {
    config = loadAdminConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${role}: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ service: 'admin-service', level: config.LOG_LEVEL });
  const dataSource = await openDatabase(config, config.DB_NAME, logger);

  const app = await createAdminApp(config, { dataSource, logger, afterShutdown: () => shutdownTracing() });
  // Nest runs the ordered shutdown (see MessagingLifecycle) and exits 0; the deadline guards a hang.
  app.enableShutdownHooks([...SIGNALS], { useProcessExit: true });
  for (const signal of SIGNALS) {
    process.once(signal, () => {
      setTimeout(() => {
        logger.error('shutdown deadline passed; exiting');
        process.exit(1);
      }, config.SHUTDOWN_TIMEOUT_MS).unref();
    });
  }

  await app.startAllMicroservices();
  const parts = `consumer ${config.RUN_CONSUMER ? 'on' : 'off'}, relay ${config.RUN_RELAY ? 'on' : 'off'}`;
  if (!config.RUN_HTTP) {
    await app.init();
    // No API here, but Kubernetes still probes it and Prometheus still scrapes it. Its only job is
    // the broker's, so it is not ready without its broker connections.
    const broker = app.get<BrokerStatus>(BROKER_STATUS);
    const lifecycle = app.get(Lifecycle);
    const ops = new OpsServer({
      port: config.OPS_PORT,
      metrics: app.get<ServiceMetrics>(METRICS),
      health: () => checkHealth({ dataSource, broker, required: readinessRequires('worker'), isDraining: () => lifecycle.draining }),
    });
    const opsPort = await ops.start();
    logger.info(`${role} running without HTTP (${parts}); probes and metrics on http://127.0.0.1:${opsPort}`);
    return;
  }
  const server: Server = await app.listen(config.PORT);
  applyServerTimeouts(server);
  logger.info(`${role} listening on http://127.0.0.1:${config.PORT} (${parts})`);
}
