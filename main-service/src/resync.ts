import { openRuntime } from './runtime';
import { buildResync } from './app';

/**
 * `npm run resync`: rebuilds main's product copy from admin's snapshot once, by the consumer's
 * version rules, and prints what it did. Safe while main runs (likes are untouched).
 */
async function run(): Promise<void> {
  const { config, logger, dataSource } = await openRuntime(process.env);
  try {
    const report = await buildResync(config, dataSource, logger).run();
    console.log(`resync: ${report.rows} products in ${report.pages} pages; ${report.applied} applied, ${report.stale} already current`);
  } finally {
    await dataSource.destroy();
  }
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`resync failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
