import { z } from 'zod';
import {
  amqpNamespaceVar,
  ConfigError,
  loadConfig,
  nodeEnvVar,
  portVar,
  positiveIntVar,
  type ManagementEndpoint,
  type ProvisionedUser,
} from '@catalogue/shared';

/**
 * The passwords that are documented for development (scripts/dev-env.mjs, `npm run setup`, the
 * broker's own guest account): fine on a laptop, refused in production whatever variable holds them.
 */
export const DEVELOPMENT_PASSWORDS: Readonly<Record<string, string>> = {
  MAIN_DB_PASSWORD: 'main-dev-password',
  ADMIN_DB_PASSWORD: 'admin-dev-password',
  MAIN_BROKER_PASSWORD: 'main-broker-dev-password',
  ADMIN_BROKER_PASSWORD: 'admin-broker-dev-password',
  RABBITMQ_ADMIN_PASSWORD: 'guest',
};
/** .env.example's placeholders (`change-me-...`), which compose users are told to replace. */
const PLACEHOLDER = /^change-me/i;

const amqpUrl = z.string().regex(/^amqps?:\/\//, 'must be an amqp:// or amqps:// URL');

/** `node dist/provision.js` (`npm run provision`): the environment it reads. */
const schema = z.object({
  NODE_ENV: nodeEnvVar,
  /** Which halves to provision: `database`, `broker`, or both (default). */
  PROVISION_TARGETS: z
    .string()
    .regex(/^\s*(database|broker)\s*(,\s*(database|broker)\s*)*$/, 'a comma-separated list of database and broker')
    .default('database,broker'),
  // The database server (as for migrations) and an administrator who may create schemas and users.
  MIGRATION_DB_HOST: z.string().min(1).default('127.0.0.1'),
  MIGRATION_DB_PORT: portVar(3306),
  PROVISION_DB_USER: z.string().min(1).optional(),
  PROVISION_DB_PASSWORD: z.string().optional(),
  MAIN_DB_NAME: z.string().min(1).default('catalogue_main'),
  ADMIN_DB_NAME: z.string().min(1).default('catalogue_admin'),
  MAIN_DB_USER: z.string().min(1).default('catalogue_main'),
  MAIN_DB_PASSWORD: z.string().optional(),
  ADMIN_DB_USER: z.string().min(1).default('catalogue_admin'),
  ADMIN_DB_PASSWORD: z.string().optional(),
  /** The user migrations run as (DDL on both schemas); created only when named and not the administrator. */
  MIGRATION_DB_USER: z.string().min(1).optional(),
  MIGRATION_DB_PASSWORD: z.string().optional(),
  // The broker's management HTTP API and an administrator of it.
  RABBITMQ_MANAGEMENT_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  RABBITMQ_ADMIN_USER: z.string().min(1).optional(),
  RABBITMQ_ADMIN_PASSWORD: z.string().optional(),
  RABBITMQ_HTTP_TIMEOUT_MS: positiveIntVar(10_000),
  RABBITMQ_VHOST: z.string().min(1).default('/'),
  AMQP_NAMESPACE: amqpNamespaceVar,
  AMQP_DELIVERY_LIMIT: positiveIntVar(10),
  AMQP_QUORUM_INITIAL_GROUP_SIZE: z.coerce.number().int().positive().optional(),
  // Each service's broker user: a name and password, or the very URL the service connects with.
  MAIN_BROKER_USER: z.string().min(1).optional(),
  MAIN_BROKER_PASSWORD: z.string().optional(),
  MAIN_RABBITMQ_URL: amqpUrl.optional(),
  ADMIN_BROKER_USER: z.string().min(1).optional(),
  ADMIN_BROKER_PASSWORD: z.string().optional(),
  ADMIN_RABBITMQ_URL: amqpUrl.optional(),
});
type Env = z.infer<typeof schema>;

export interface ProvisionConfig {
  production: boolean;
  database?: {
    host: string;
    port: number;
    admin: { user: string; password: string };
    schemas: { name: string; user: ProvisionedUser }[];
    migrationUser?: ProvisionedUser;
  };
  broker?: {
    management: ManagementEndpoint;
    vhost: string;
    namespace: string;
    deliveryLimit: number;
    quorumInitialGroupSize?: number;
    users: { main: ProvisionedUser; admin: ProvisionedUser };
  };
}

const DEFAULT_NAMES = { MAIN_BROKER_USER: 'catalogue_main', ADMIN_BROKER_USER: 'catalogue_admin' };

/**
 * Reads and checks the provisioning settings. Outside production every credential has its
 * documented development default; in production the administrators' credentials are required,
 * and a development password or a `change-me` placeholder in any variable is refused (the message
 * names the variables, never their values). Service users' passwords are optional everywhere: an
 * existing user keeps its password unless one is given.
 */
export function loadProvisionConfig(source: Record<string, string | undefined>): ProvisionConfig {
  const env = loadConfig(schema, source);
  const production = env.NODE_ENV === 'production';
  const targets = new Set(env.PROVISION_TARGETS.split(',').map((t) => t.trim()));
  const problems: string[] = [];
  const required = (name: keyof Env) => {
    if (production && (env[name] === undefined || env[name] === '')) problems.push(`${name} (required in production)`);
  };

  if (production) {
    const refused = new Set(Object.values(DEVELOPMENT_PASSWORDS));
    for (const [name, value] of Object.entries(env)) {
      if (!/PASSWORD$|_URL$/.test(name) || typeof value !== 'string') continue;
      const password = name.endsWith('_URL') ? passwordInUrl(value) : value;
      if (password !== undefined && (refused.has(password) || PLACEHOLDER.test(password)))
        problems.push(`${name} (a development password or placeholder, refused in production)`);
    }
  }

  let database: ProvisionConfig['database'];
  if (targets.has('database')) {
    required('PROVISION_DB_USER');
    required('PROVISION_DB_PASSWORD');
    const adminUser = env.PROVISION_DB_USER ?? 'root';
    const migrationUser =
      env.MIGRATION_DB_USER && env.MIGRATION_DB_USER !== adminUser ? user(env.MIGRATION_DB_USER, env.MIGRATION_DB_PASSWORD) : undefined;
    if (!migrationUser && env.MIGRATION_DB_PASSWORD !== undefined && !env.MIGRATION_DB_USER)
      problems.push('MIGRATION_DB_PASSWORD (given without MIGRATION_DB_USER)');
    database = {
      host: env.MIGRATION_DB_HOST,
      port: env.MIGRATION_DB_PORT,
      admin: { user: adminUser, password: env.PROVISION_DB_PASSWORD ?? '' },
      schemas: [
        { name: env.MAIN_DB_NAME, user: serviceUser(env.MAIN_DB_USER, env.MAIN_DB_PASSWORD, 'MAIN_DB_PASSWORD') },
        { name: env.ADMIN_DB_NAME, user: serviceUser(env.ADMIN_DB_USER, env.ADMIN_DB_PASSWORD, 'ADMIN_DB_PASSWORD') },
      ],
      migrationUser,
    };
  }

  let broker: ProvisionConfig['broker'];
  if (targets.has('broker')) {
    required('RABBITMQ_MANAGEMENT_URL');
    required('RABBITMQ_ADMIN_USER');
    required('RABBITMQ_ADMIN_PASSWORD');
    const management = new URL(env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672');
    if (management.username || management.password)
      problems.push('RABBITMQ_MANAGEMENT_URL (must not carry credentials: use RABBITMQ_ADMIN_USER and RABBITMQ_ADMIN_PASSWORD)');
    const brokerUser = (service: 'MAIN' | 'ADMIN'): ProvisionedUser => {
      const url = env[`${service}_RABBITMQ_URL`];
      if (url === undefined)
        return serviceUser(
          env[`${service}_BROKER_USER`] ?? DEFAULT_NAMES[`${service}_BROKER_USER`],
          env[`${service}_BROKER_PASSWORD`],
          `${service}_BROKER_PASSWORD`,
        );
      if (env[`${service}_BROKER_USER`] !== undefined || env[`${service}_BROKER_PASSWORD`] !== undefined) {
        problems.push(`${service}_RABBITMQ_URL (given with ${service}_BROKER_USER or ${service}_BROKER_PASSWORD: use one or the other)`);
      }
      const parsed = new URL(url);
      const vhost = decodeURIComponent(parsed.pathname.slice(1)) || '/';
      if (vhost !== env.RABBITMQ_VHOST) problems.push(`${service}_RABBITMQ_URL (its vhost differs from RABBITMQ_VHOST)`);
      if (!parsed.username || !parsed.password) problems.push(`${service}_RABBITMQ_URL (must name the user and its password)`);
      return { name: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
    };
    broker = {
      management: {
        url: management.toString(),
        username: env.RABBITMQ_ADMIN_USER ?? 'guest',
        password: env.RABBITMQ_ADMIN_PASSWORD ?? DEVELOPMENT_PASSWORDS.RABBITMQ_ADMIN_PASSWORD!,
        timeoutMs: env.RABBITMQ_HTTP_TIMEOUT_MS,
      },
      vhost: env.RABBITMQ_VHOST,
      namespace: env.AMQP_NAMESPACE,
      deliveryLimit: env.AMQP_DELIVERY_LIMIT,
      quorumInitialGroupSize: env.AMQP_QUORUM_INITIAL_GROUP_SIZE,
      users: { main: brokerUser('MAIN'), admin: brokerUser('ADMIN') },
    };
  }

  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${[...new Set(problems)].join('; ')}`);
  return { production, database, broker };

  /** A user whose password, when not given, is its development default outside production (used to create it, never to reset it). */
  function serviceUser(name: string, password: string | undefined, variable: string): ProvisionedUser {
    if (password !== undefined && password !== '') return { name, password };
    if (production) return { name };
    return { name, password: DEVELOPMENT_PASSWORDS[variable], passwordIsDefault: true };
  }
  function user(name: string, password: string | undefined): ProvisionedUser {
    return password !== undefined && password !== '' ? { name, password } : { name };
  }
}

function passwordInUrl(value: string): string | undefined {
  try {
    return decodeURIComponent(new URL(value).password) || undefined;
  } catch {
    return undefined;
  }
}
