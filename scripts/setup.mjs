// `npm run setup`: creates the local databases and their users, applies migrations, generates the
// broker topology and each service's own broker user, the development token signing key, and seeds
// a few users. Safe to run again.
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

const run = (script, env = process.env) => execFileSync(process.execPath, [script], { stdio: 'inherit', env });
run('migrations/dist/setup-dev.js');
run('migrations/dist/cli.js');
run('migrations/dist/setup-broker.js');
run('admin-service/dist/users/seed.js', withDevDefaults(DEV_ADMIN));
