// `npm start`: runs both services (each with its consumer and outbox relay) for local development,
// with the development credentials that `npm run setup` created. Ctrl-C stops both gracefully.
import { spawn } from 'node:child_process';
import { withServiceNodeOptions } from '@catalogue/shared/node-options';
import { DEV_ADMIN, DEV_MAIN, withDevDefaults } from './dev-env.mjs';

/** A snapshot-reader credential for main's resync from admin's internal snapshot (nothing else), signed with the development key. */
async function mainServiceToken() {
  const env = withDevDefaults(DEV_ADMIN);
  if (!env.JWT_PRIVATE_KEY) return {};
  const { loadAdminConfig } = await import('../admin-service/dist/config.js');
  const { loadSigningKey } = await import('../admin-service/dist/auth/signing-key.js');
  const { TokensService } = await import('../admin-service/dist/auth/tokens.service.js');
  const { fixedKeys } = await import('../admin-service/dist/auth/signing-keys.js');
  const { createLogger } = await import('@catalogue/shared');
  const config = loadAdminConfig(env);
  const key = await loadSigningKey(config, createLogger({ service: 'start', level: 'silent' }));
  const { token } = await new TokensService(fixedKeys(key), config).issue('main-service', 'snapshot-reader', 86_400);
  return { ADMIN_TOKEN: token };
}

const services = [
  { name: 'admin-service', entry: 'admin-service/dist/main.js', env: DEV_ADMIN },
  { name: 'main-service', entry: 'main-service/dist/main.js', env: { ...DEV_MAIN, ...(await mainServiceToken()) } },
];

const children = services.map(({ name, entry, env }) => {
  // The same V8 heap bounds as the images (docs/decisions/0026).
  const childEnv = withDevDefaults(env);
  const child = spawn(process.execPath, [entry], {
    env: { ...childEnv, NODE_OPTIONS: withServiceNodeOptions(childEnv.NODE_OPTIONS) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    console.log(`${name} exited (${signal ?? code})`);
    if (!stopping) stop(code ?? 1);
  });
  return child;
});

console.log('starting: main-service on http://127.0.0.1:5000 (public API), admin-service on http://127.0.0.1:8000 (admin API)');

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.on('exit', resolve)) : null))).then(() =>
    process.exit(code),
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
