// `npm run setup`: creates the local databases and their users, applies migrations and seeds a few
// users. Safe to run again.
import { execFileSync } from 'node:child_process';
import { DEV_ADMIN, withDevDefaults } from './dev-env.mjs';

const run = (script, env = process.env) => execFileSync(process.execPath, [script], { stdio: 'inherit', env });
run('migrations/dist/setup-dev.js');
run('migrations/dist/cli.js');
run('admin-service/dist/users/seed.js', withDevDefaults(DEV_ADMIN));
