import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../../../..');

export interface ProvisionTarget {
  /** The MariaDB server (its root has no password). */
  databasePort: number;
  /** One node's management API; the queues it declares are spread over the whole cluster. */
  managementUrl: string;
  /** Where the services reach the broker (HAProxy's TCP frontend), for their broker users' URLs. */
  brokerPort: number;
}

/**
 * The release's provisioning step (`migrations/dist/provision.js`), as the Kubernetes Job runs it:
 * both schemas and their run-time users over SQL, then the topology (every quorum queue on all
 * three nodes: `AMQP_QUORUM_INITIAL_GROUP_SIZE=3`) and each service's broker user over the
 * management HTTP API. Returns each service's least-privilege credentials, which its processes use.
 */
export async function provisionCluster(target: ProvisionTarget): Promise<Record<'main' | 'admin', Record<string, string>>> {
  const secret = () => randomBytes(12).toString('hex');
  const users = {
    main: { db: { user: 'catalogue_main', password: secret() }, broker: { user: 'catalogue_main', password: secret() } },
    admin: { db: { user: 'catalogue_admin', password: secret() }, broker: { user: 'catalogue_admin', password: secret() } },
  };
  const amqpUrl = (user: { user: string; password: string }) => `amqp://${user.user}:${user.password}@127.0.0.1:${target.brokerPort}`;
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    MIGRATION_DB_HOST: '127.0.0.1',
    MIGRATION_DB_PORT: String(target.databasePort),
    PROVISION_DB_USER: 'root',
    PROVISION_DB_PASSWORD: '',
    MAIN_DB_USER: users.main.db.user,
    MAIN_DB_PASSWORD: users.main.db.password,
    ADMIN_DB_USER: users.admin.db.user,
    ADMIN_DB_PASSWORD: users.admin.db.password,
    RABBITMQ_MANAGEMENT_URL: target.managementUrl,
    RABBITMQ_ADMIN_USER: 'guest',
    RABBITMQ_ADMIN_PASSWORD: 'guest',
    AMQP_QUORUM_INITIAL_GROUP_SIZE: '3',
    MAIN_RABBITMQ_URL: amqpUrl(users.main.broker),
    ADMIN_RABBITMQ_URL: amqpUrl(users.admin.broker),
  };
  try {
    await run(process.execPath, [path.join(REPO, 'migrations/dist/provision.js')], { env, timeout: 120_000 });
  } catch (err) {
    const failed = err as { stdout?: string; stderr?: string };
    throw new Error(`provisioning failed: ${failed.stderr || failed.stdout || (err as Error).message}`, { cause: err });
  }
  const serviceEnv = (service: 'main' | 'admin') => ({
    DB_USER: users[service].db.user,
    DB_PASSWORD: users[service].db.password,
    RABBITMQ_URL: amqpUrl(users[service].broker),
  });
  return { main: serviceEnv('main'), admin: serviceEnv('admin') };
}
