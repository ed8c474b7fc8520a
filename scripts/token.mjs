// `npm run token -- --role staff --sub 1 [--ttl 3600]`: prints a bearer token signed with the
// development key, as admin's sign-in would issue it (`--role snapshot-reader --sub main-service`: the
// credential main's resync uses). Development only: production has no key file.
import { parseArgs } from 'node:util';
import { DEV_ADMIN, DEV_JWT_KEY_FILE, withDevDefaults } from './dev-env.mjs';

const { values } = parseArgs({
  options: { role: { type: 'string', default: 'customer' }, sub: { type: 'string', default: '1' }, ttl: { type: 'string' } },
});
const env = withDevDefaults(DEV_ADMIN);
if (!env.JWT_PRIVATE_KEY) {
  console.error(`no signing key: run \`npm run setup\` first (it creates ${DEV_JWT_KEY_FILE}), or set JWT_PRIVATE_KEY`);
  process.exit(1);
}
if (env.NODE_ENV === 'production') {
  console.error('npm run token is a development tool; production tokens come from POST /api/auth/login');
  process.exit(1);
}
if (!['staff', 'customer', 'snapshot-reader'].includes(values.role)) {
  console.error('--role must be staff, customer or snapshot-reader');
  process.exit(1);
}
const { loadAdminConfig } = await import('../admin-service/dist/config.js');
const { loadSigningKey } = await import('../admin-service/dist/auth/signing-key.js');
const { TokensService } = await import('../admin-service/dist/auth/tokens.service.js');
const { fixedKeys } = await import('../admin-service/dist/auth/signing-keys.js');
const { createLogger } = await import('@catalogue/shared');

const config = loadAdminConfig(env);
const key = await loadSigningKey(config, createLogger({ service: 'token', level: 'silent' }));
const { token } = await new TokensService(fixedKeys(key), config).issue(
  values.sub,
  values.role,
  values.ttl ? Number(values.ttl) : undefined,
);
console.log(token);
