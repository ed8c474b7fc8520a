// Writes the contract documents (OpenAPI of both services, AsyncAPI of the events) into docs/,
// rendered from the code (zod schemas, routes, topology), and the Kubernetes PrometheusRule from
// deploy/prometheus/alerts.yml. Run after changing a route or an event:
// test/contracts fails while docs/ and the code disagree.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const { contractDocuments, render, REPO_ROOT } = require('../test/dist/contracts/documents.js');
for (const { path, document, source } of contractDocuments()) {
  mkdirSync(dirname(join(REPO_ROOT, path)), { recursive: true });
  writeFileSync(join(REPO_ROOT, path), render(document, source));
  console.log(`wrote ${path}`);
}
