import { ConfigError, createLogger, openDatabase, type Logger } from '@catalogue/shared';
import type { DataSource } from 'typeorm';
import { loadMainConfig, type MainConfig } from './config';

/** Reads configuration (one clear line and exit 1 when it is wrong) and opens the database. */
export async function openRuntime(
  env: Record<string, string | undefined>,
): Promise<{ config: MainConfig; logger: Logger; dataSource: DataSource }> {
  let config: MainConfig;
  try {
    config = loadMainConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`main-service: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ service: 'main-service', level: config.LOG_LEVEL });
  const dataSource = await openDatabase(config, config.DB_NAME, logger);
  return { config, logger, dataSource };
}
