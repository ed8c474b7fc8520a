import { openRuntime } from './runtime';
import { buildMainService } from './app';

/** Main's consumer (and relay) as a process of its own, from the same code, to scale apart from the API. */
async function start(): Promise<void> {
  const { config, logger, dataSource } = await openRuntime({ ...process.env, RUN_HTTP: 'false' });
  const { messaging } = buildMainService(config, dataSource, logger);
  await messaging.start();
  logger.info('main-service consumer running');
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await messaging.stop(config.SHUTDOWN_TIMEOUT_MS);
    await dataSource.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

start().catch((err: unknown) => {
  console.error(`main-service consumer failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
