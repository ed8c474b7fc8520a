// Development-only settings for `npm run setup`, `npm start` and `npm run token`: the database users
// and passwords that setup creates locally, and the token signing key it generates. Production reads
// its own from the environment or Secrets Manager.
import { existsSync, readFileSync } from 'node:fs';

export const DEV_JWT_KEY_FILE = '.dev/jwt-private.pem';

/** Admin signs with the key `npm run setup` generated; without it admin makes a key per process. */
const devSigningKey = () => (existsSync(DEV_JWT_KEY_FILE) ? { JWT_PRIVATE_KEY: readFileSync(DEV_JWT_KEY_FILE, 'utf8') } : {});

/** Each service on its own least-privilege broker user; `npm run setup` declared the topology for them. */
const brokerAs = (user, password) => ({ RABBITMQ_URL: `amqp://${user}:${password}@127.0.0.1:5672`, AMQP_DECLARE_TOPOLOGY: 'false' });

// main signs the client address it passes on with a storefront sign-in; admin checks it.
export const DEV_SHARED = { NODE_ENV: 'development', CLIENT_ADDRESS_SECRET: 'dev-client-address-secret-not-for-production' };
export const DEV_ADMIN = {
  PORT: '8000',
  DB_USER: 'catalogue_admin',
  DB_PASSWORD: 'admin-dev-password',
  DB_NAME: 'catalogue_admin',
  ...brokerAs('catalogue_admin', 'admin-broker-dev-password'),
  // The console's dead-letter replay reads the dead-letter queues, which admin's own user may not:
  // locally that is the broker administrator, as for `npm run dead-letters`.
  OPS_RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
  ...devSigningKey(),
  // The storefront (served by main) signs people in here from the browser.
  CORS_ORIGINS: 'http://127.0.0.1:5000,http://localhost:5000',
};
// Main verifies tokens with admin's JWKS (http://127.0.0.1:8000/.well-known/jwks.json by default).
export const DEV_MAIN = {
  PORT: '5000',
  DB_USER: 'catalogue_main',
  DB_PASSWORD: 'main-dev-password',
  DB_NAME: 'catalogue_main',
  ADMIN_URL: 'http://127.0.0.1:8000',
  ...brokerAs('catalogue_main', 'main-broker-dev-password'),
  // Storefront pages may call admin's sign-in.
  CSP_CONNECT_SRC: 'http://127.0.0.1:8000,http://localhost:8000',
};

/** Values already in the environment win, so any setting can be overridden from the shell. */
export const withDevDefaults = (serviceEnv) => ({ ...DEV_SHARED, ...serviceEnv, ...process.env });
