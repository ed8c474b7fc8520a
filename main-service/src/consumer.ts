import './tracing'; // first: see tracing.ts
import { checkHealth, OpsServer, readinessRequires } from '@catalogue/shared';
import { shutdownTracing } from '@catalogue/shared/tracing';
import { buildMainService } from './app';
import { openRuntime } from './runtime';

/** Main's consumer (and relay) as a process of its own, from the same code, to scale apart from the API. */
async function start(): Promise<void> {
  const { config, logger, dataSource } = await openRuntime({ ...process.env, RUN_HTTP: 'false' });
  const { messaging, lifecycle, metrics } = buildMainService(config, dataSource, logger);
  await messaging.start();
  // No API here, but Kubernetes still probes it and Prometheus still scrapes it. Its only job is the
  // broker's, so it is not ready without its broker connections.
  const ops = new OpsServer({
    port: config.OPS_PORT,
    metrics,
    health: () =>
      checkHealth({ dataSource, broker: messaging, required: readinessRequires('worker'), isDraining: () => lifecycle.draining }),
  });
  const opsPort = await ops.start();
  logger.info(`main-service consumer running; probes and metrics on http://127.0.0.1:${opsPort}`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    lifecycle.draining = true;
    setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    await messaging.stop(config.SHUTDOWN_TIMEOUT_MS / 2);
    await ops.stop();
    await dataSource.destroy();
    await shutdownTracing();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

start().catch((err: unknown) => {
  console.error(`main-service consumer failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
