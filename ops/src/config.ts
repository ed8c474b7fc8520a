import { z } from 'zod';
import { amqpNamespaceVar, brokerUrl, loadConfig, nodeEnvVar, positiveIntVar } from '@catalogue/shared';

const schema = z.object({
  NODE_ENV: nodeEnvVar,
  /** Where the operator reaches each service's HTTP API (its /internal routes). */
  MAIN_URL: z.url().default('http://127.0.0.1:5000'),
  ADMIN_URL: z.url().default('http://127.0.0.1:8000'),
  OPS_HTTP_TIMEOUT_MS: positiveIntVar(10_000),
  RABBITMQ_URL: z.string().regex(/^amqps?:\/\//, 'must be an amqp:// or amqps:// URL').optional(),
  AMQP_NAMESPACE: amqpNamespaceVar,
  PUBLISH_CONFIRM_TIMEOUT_MS: positiveIntVar(5000),
});

export type OpsConfig = z.infer<typeof schema> & { brokerUrl: string };

/** The operator commands' one configuration, read once; a bad value stops them naming the variable. */
export function loadOpsConfig(env: Record<string, string | undefined>): OpsConfig {
  const config = loadConfig(schema, env);
  if (config.NODE_ENV === 'production' && !config.RABBITMQ_URL) throw new Error('invalid configuration: RABBITMQ_URL (required in production)');
  return { ...config, brokerUrl: brokerUrl(config) };
}
