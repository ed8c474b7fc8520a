import type { DataSource } from 'typeorm';
import type { Logger } from '../logging/logger';

/**
 * Opens the database at start-up, retrying with capped exponential backoff and saying which
 * database it waits for, rather than crash-looping silently.
 */
export async function connectDatabaseWithRetry(dataSource: DataSource, logger: Logger, options: { maxWaitMs?: number } = {}): Promise<void> {
  const started = Date.now();
  const opts = dataSource.options as { host?: string; port?: number; database?: string };
  const target = `MySQL at ${opts.host}:${opts.port} (database ${opts.database})`;
  for (let attempt = 0; ; attempt++) {
    try {
      await dataSource.initialize();
      if (attempt > 0) logger.info(`${target} is reachable`);
      return;
    } catch (err) {
      const waited = Date.now() - started;
      const reason = (err as { code?: string }).code ?? (err as Error).message;
      if (options.maxWaitMs !== undefined && waited >= options.maxWaitMs) {
        throw new Error(`${target} is unreachable: ${reason}`);
      }
      const delay = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
      logger.warn({ reason, retryInMs: delay }, `${target} is unreachable; retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
