// Builds the two browser apps into static files their services serve: the storefront
// (main-service/web/dist, served at /) and the admin console (admin-service/web/dist, at /admin).
// Type-checks them first (Vite only strips types). Part of `npm run build`, so `npm start` and
// `npm test` always serve what the sources say.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { build } from 'vite';

const apps = ['main-service/web', 'admin-service/web'];
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const started = Date.now();

for (const app of apps) {
  const check = spawnSync(process.execPath, [tsc, '-p', `${app}/tsconfig.json`, '--pretty', 'false'], { stdio: 'inherit' });
  if (check.status !== 0) {
    console.error(`type errors in ${app}`);
    process.exit(1);
  }
}
for (const app of apps) {
  await build({ root: app, configFile: `${app}/vite.config.ts`, logLevel: 'warn' });
}
console.log(`web apps built in ${((Date.now() - started) / 1000).toFixed(1)}s: ${apps.map((a) => `${a}/dist`).join(', ')}`);
