import './tracing'; // first: see tracing.ts
import { ConfigError, createDataSource, resolveDatabaseCredentials } from '@catalogue/shared';
import { loadAdminConfig } from './config';
import { seedDemoCatalogue } from './products/demo-catalogue';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/**
 * Development data, safe to run again: the users below (existing users keep their passwords) and,
 * when admin has never had a product, the demo catalogue (products/demo-catalogue.ts), whose
 * pictures main serves at DEMO_PICTURES_URL. The passwords are documented in the README and are for
 * development only: the seed refuses production.
 */
const SEED_USERS = [
  { email: 'staff@example.com', name: 'Sam Staff', role: 'staff', password: 'staff-dev-password' },
  { email: 'alice@example.com', name: 'Alice Customer', role: 'customer', password: 'alice-dev-password' },
  { email: 'bob@example.com', name: 'Bob Customer', role: 'customer', password: 'bob-dev-password' },
  { email: 'ada@example.com', name: 'Ada Lovelace' },
  { email: 'grace@example.com', name: 'Grace Hopper' },
  { email: 'alan@example.com', name: 'Alan Turing' },
  { email: 'edsger@example.com', name: 'Edsger Dijkstra' },
  { email: 'barbara@example.com', name: 'Barbara Liskov' },
] as const;

async function seed(): Promise<void> {
  const config = loadAdminConfig(process.env);
  if (config.NODE_ENV === 'production')
    throw new ConfigError('the development seed (with its documented passwords and demo products) refuses NODE_ENV=production');
  const credentials = await resolveDatabaseCredentials(config, config.DB_NAME);
  const dataSource = createDataSource({ credentials, poolSize: 1 });
  await dataSource.initialize();
  try {
    const created = await new UsersService(new UsersRepository(dataSource)).ensureUsers([...SEED_USERS]);
    console.log(`admin users: ${created} created, ${SEED_USERS.length - created} already there (database ${credentials.database})`);
    const products = await seedDemoCatalogue(dataSource, config.DEMO_PICTURES_URL);
    console.log(
      products > 0
        ? `demo catalogue: ${products} products created, pictures at ${config.DEMO_PICTURES_URL} (main receives them once admin's relay publishes them)`
        : 'demo catalogue: not added, the catalogue already has products',
    );
  } finally {
    await dataSource.destroy();
  }
}

seed().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(err instanceof ConfigError ? `admin seed: ${message}` : `admin seed failed: ${message}`);
  process.exit(1);
});
