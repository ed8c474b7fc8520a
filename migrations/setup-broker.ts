import { z } from 'zod';
import { amqpNamespaceVar, loadConfig, positiveIntVar, provisionBroker } from '@catalogue/shared';

/**
 * Declares the broker topology as the broker administrator and creates each service's own broker
 * user with least privilege (see README, Security). Idempotent; `npm run setup` runs it for
 * development, a deploy runs it once like the migrations.
 */
const schema = z.object({
  RABBITMQ_ADMIN_URL: z.string().regex(/^amqps?:\/\//, 'must be an amqp:// or amqps:// URL').default('amqp://guest:guest@127.0.0.1:5672'),
  RABBITMQCTL: z.string().min(1).default('rabbitmqctl'),
  RABBITMQ_VHOST: z.string().min(1).default('/'),
  AMQP_NAMESPACE: amqpNamespaceVar,
  AMQP_DELIVERY_LIMIT: positiveIntVar(10),
  MAIN_BROKER_USER: z.string().min(1).default('catalogue_main'),
  MAIN_BROKER_PASSWORD: z.string().min(1).default('main-broker-dev-password'),
  ADMIN_BROKER_USER: z.string().min(1).default('catalogue_admin'),
  ADMIN_BROKER_PASSWORD: z.string().min(1).default('admin-broker-dev-password'),
});

async function run(): Promise<void> {
  const config = loadConfig(schema, process.env);
  await provisionBroker({
    adminUrl: config.RABBITMQ_ADMIN_URL,
    rabbitmqctl: config.RABBITMQCTL,
    vhost: config.RABBITMQ_VHOST,
    namespace: config.AMQP_NAMESPACE,
    deliveryLimit: config.AMQP_DELIVERY_LIMIT,
    users: {
      main: { name: config.MAIN_BROKER_USER, password: config.MAIN_BROKER_PASSWORD },
      admin: { name: config.ADMIN_BROKER_USER, password: config.ADMIN_BROKER_PASSWORD },
    },
  });
  console.log(`broker: topology declared${config.AMQP_NAMESPACE ? ` (namespace ${config.AMQP_NAMESPACE})` : ''}; users ${config.MAIN_BROKER_USER} and ${config.ADMIN_BROKER_USER} ready`);
}

run().catch((err: unknown) => {
  console.error(`broker setup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
