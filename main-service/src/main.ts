import './tracing'; // first: see tracing.ts
import { shutdownTracing } from '@catalogue/shared/tracing';
import { applyServerTimeouts } from '@catalogue/shared';
import { openRuntime } from './runtime';
import { buildMainService } from './app';
import { stopServing } from './http/serving';

async function start(): Promise<void> {
  const { config, logger, dataSource } = await openRuntime(process.env);
  const service = buildMainService(config, dataSource, logger);
  const { app, tokens, messaging, resync, changes, rateLimitCounters, revokedUsers } = service;
  await rateLimitCounters.connect();
  await tokens.ready();
  // From the feed's current end: what other processes commit from now on reaches this one's cache.
  await changes.start();
  // Checked before the consumer starts: its first events would make a never-filled copy look filled.
  const resyncNeeded = config.RESYNC_ON_EMPTY && (await resync.copyIsEmpty());
  await messaging.start();
  let stopping = false;
  // In the background: the copy fills while the API already serves, and live events race it safely.
  if (resyncNeeded) void resync.runUntilDone(() => stopping).catch((err: unknown) => logger.error({ err }, 'resync at start-up failed'));

  const server = app.listen(config.PORT, () => {
    logger.info(
      `main-service listening on http://127.0.0.1:${config.PORT} (consumer ${config.RUN_CONSUMER ? 'on' : 'off'}, relay ${config.RUN_RELAY ? 'on' : 'off'})`,
    );
  });
  applyServerTimeouts(server);

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, drainMs: config.SHUTDOWN_DRAIN_MS }, 'shutting down: draining requests, ending live streams and deliveries');
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    void (async () => {
      try {
        // Revocations keep being heard while the drain still serves requests.
        await stopServing(server, service, config.SHUTDOWN_DRAIN_MS);
        revokedUsers.stop();
        await messaging.stop((config.SHUTDOWN_TIMEOUT_MS - config.SHUTDOWN_DRAIN_MS) / 2);
        await changes.stop();
        await rateLimitCounters.close();
        await dataSource.destroy();
        logger.info('stopped cleanly');
        await shutdownTracing();
        process.exit(0);
      } catch (err) {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

start().catch((err: unknown) => {
  console.error(`main-service failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
