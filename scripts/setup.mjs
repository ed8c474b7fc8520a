// `npm run setup`: provisions the local databases, their users, the broker topology and each
// service's own broker user (`npm run provision`), applies migrations, generates the development
// token signing key, and seeds a few users and, while the catalogue is empty, the demo products
// (admin-service/src/seed.ts). Safe to run again.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEV_ADMIN, DEV_JWT_KEY_FILE, withDevDefaults } from './dev-env.mjs';

if (!existsSync(DEV_JWT_KEY_FILE)) {
  mkdirSync(dirname(DEV_JWT_KEY_FILE), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(DEV_JWT_KEY_FILE, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  console.log(`development token signing key: created ${DEV_JWT_KEY_FILE}`);
} else {
  console.log(`development token signing key: ${DEV_JWT_KEY_FILE} already there`);
}

await ensureManagementApi(process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672');

const run = (script, env = process.env) => execFileSync(process.execPath, [script], { stdio: 'inherit', env });
run('migrations/dist/provision.js');
run('migrations/dist/cli.js');
run('admin-service/dist/seed.js', withDevDefaults(DEV_ADMIN));

/**
 * Provisioning talks to RabbitMQ's management HTTP API. Its plugin ships with the broker but is
 * off by default: on a local broker, enable it (as `.ci/run` does) and wait until it answers.
 */
async function ensureManagementApi(url) {
  const answers = async () => {
    try {
      // Any HTTP answer will do (401 without credentials): the listener is up.
      await fetch(new URL('/api/overview', url), { signal: AbortSignal.timeout(2000) });
      return true;
    } catch {
      return false;
    }
  };
  if (await answers()) return;
  const local = ['127.0.0.1', 'localhost'].includes(new URL(url).hostname);
  if (!local) throw new Error(`RabbitMQ's management API does not answer at ${url}: enable the rabbitmq_management plugin on that broker`);
  console.log('rabbitmq: enabling the management plugin (rabbitmq-plugins enable rabbitmq_management)');
  try {
    execFileSync('rabbitmq-plugins', ['enable', 'rabbitmq_management'], { stdio: 'inherit' });
  } catch (err) {
    throw new Error(
      `could not enable rabbitmq_management (run \`rabbitmq-plugins enable rabbitmq_management\` as root or the rabbitmq user): ${err.message}`,
      { cause: err },
    );
  }
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    if (await answers()) return;
  }
  throw new Error(`RabbitMQ's management API did not answer at ${url} within 60 s`);
}
