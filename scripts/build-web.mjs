// Builds the two browser apps into static files their services serve: the storefront
// (main-service/web/dist, served at /) and the admin console (admin-service/web/dist, at /admin).
// Type-checks them first (Vite only strips types). Part of `npm run build`, so `npm start` and
// `npm test` always serve what the sources say. A service image builds only its own app:
// `node scripts/build-web.mjs main-service/web`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { build } from 'vite';

const ALL_APPS = ['main-service/web', 'admin-service/web'];
const asked = process.argv.slice(2);
const unknown = asked.filter((app) => !ALL_APPS.includes(app));
if (unknown.length > 0) {
  console.error(`unknown web app ${unknown.join(', ')}: expected one of ${ALL_APPS.join(', ')}`);
  process.exit(2);
}
const apps = asked.length > 0 ? asked : ALL_APPS;
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const started = Date.now();

const typeCheck = (app) =>
  new Promise((resolve) =>
    spawn(process.execPath, [tsc, '-p', `${app}/tsconfig.json`, '--pretty', 'false'], { stdio: 'inherit' }).on('exit', resolve),
  );
// Incremental and side by side: a rebuild with no web change costs well under a second of CPU.
const codes = await Promise.all(apps.map(typeCheck));
if (codes.some((code) => code !== 0)) {
  console.error('type errors in the web apps');
  process.exit(1);
}
for (const app of apps) {
  await build({ root: app, configFile: `${app}/vite.config.ts`, logLevel: 'warn' });
}
console.log(`web apps built in ${((Date.now() - started) / 1000).toFixed(1)}s: ${apps.map((a) => `${a}/dist`).join(', ')}`);
