import { z } from 'zod';
import { amqpNamespaceVar, brokerUrl, loadConfig, nodeEnvVar, positiveIntVar } from '@catalogue/shared';

const shape = {
  NODE_ENV: nodeEnvVar,
  /** Where the operator reaches each service's HTTP API (its /internal routes). */
  MAIN_URL: z.url().default('http://127.0.0.1:5000'),
  ADMIN_URL: z.url().default('http://127.0.0.1:8000'),
  OPS_HTTP_TIMEOUT_MS: positiveIntVar(10_000),
  /** A staff bearer token for the services' /internal routes (`npm run token -- --role staff` in development). */
  OPS_TOKEN: z.string().min(1).optional(),
  RABBITMQ_URL: z
    .string()
    .regex(/^amqps?:\/\//, 'must be an amqp:// or amqps:// URL')
    .optional(),
  AMQP_NAMESPACE: amqpNamespaceVar,
  PUBLISH_CONFIRM_TIMEOUT_MS: positiveIntVar(5000),
};
const schema = z.object(shape);
/** The dead-letter command talks to the broker: production has no built-in broker credentials. */
const brokerSchema = z.object(shape).superRefine((env, ctx) => {
  if (env.NODE_ENV === 'production' && !env.RABBITMQ_URL)
    ctx.addIssue({ code: 'custom', path: ['RABBITMQ_URL'], message: 'required in production' });
});

export type OpsConfig = z.infer<typeof schema> & { brokerUrl: string };

/** The operator commands' one configuration, read once; a bad value stops them naming the variable. */
export function loadOpsConfig(env: Record<string, string | undefined>, options: { broker: boolean }): OpsConfig {
  const config = loadConfig(options.broker ? brokerSchema : schema, env);
  return { ...config, brokerUrl: brokerUrl(config) };
}
