import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

// From test/dist/browser/ to the repository root.
const ROOT = path.resolve(__dirname, '../../..');
const APPS = ['main-service/web/dist', 'admin-service/web/dist'];

function builtFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(js|css|html)$/.test(f))
    .map((f) => path.join(dir, f));
}

/** What must never ship to a browser: keys, credentials, addresses, the server's environment. */
const FORBIDDEN: [string, RegExp][] = [
  ['a PEM key', /-----BEGIN [A-Z ]*KEY-----/],
  ['a development password', /dev-password|test-password/i],
  ['a database or broker URL', /(mysql|mariadb|amqps?):\/\//i],
  // A service's address has a port; React Router parses paths against a bare `http://localhost`.
  ['a service address', /\b(127\.0\.0\.1|localhost):\d+|\b(10\.\d+|192\.168)\.\d+\.\d+\b/],
  ['a server setting name', /\b(JWT_SECRET|JWT_PRIVATE_KEY|DB_PASSWORD|RABBITMQ_URL|ADMIN_URL|MAIN_URL)\b/],
];

describe('the built storefront and console', () => {
  for (const app of APPS) {
    test(`${app} carries no secrets, addresses or server settings`, () => {
      const files = builtFiles(path.join(ROOT, app));
      assert.ok(files.some((f) => f.endsWith('.js')) && files.some((f) => f.endsWith('index.html')), 'the app is built (npm run build)');
      const found: string[] = [];
      for (const file of files) {
        const text = readFileSync(file, 'utf8');
        for (const [what, pattern] of FORBIDDEN) if (pattern.test(text)) found.push(`${what} in ${path.relative(ROOT, file)}`);
      }
      assert.deepEqual(found, []);
    });
  }
});
