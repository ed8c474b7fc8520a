import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { envNames, OTEL_STANDARD_ENV, REPO_ROOT, servedPaths, usesOpenTelemetrySdk } from './support/code-facts';
import { PENDING_FROM_OBSERVABILITY } from './support/pending';

// Keeps the pending list honest: an entry that the code already provides must leave the list, so
// that it is checked like everything else.
describe('PENDING_FROM_OBSERVABILITY', () => {
  test('lists only variables that neither service reads yet', () => {
    for (const name of PENDING_FROM_OBSERVABILITY.env) {
      for (const [program, workspace] of [['main', 'main-service'], ['admin', 'admin-service']] as const) {
        const provided = envNames(program).has(name) || (OTEL_STANDARD_ENV.has(name) && usesOpenTelemetrySdk(workspace));
        assert.equal(provided, false, `${program} already reads ${name}: remove it from the pending list`);
      }
    }
  });

  test('lists only routes that neither service serves yet', () => {
    for (const path of PENDING_FROM_OBSERVABILITY.routes) {
      for (const service of ['main', 'admin'] as const) assert.equal(servedPaths(service).has(path), false, `${service} already serves ${path}`);
    }
  });

  test('lists only files that do not exist yet', () => {
    for (const path of PENDING_FROM_OBSERVABILITY.files) assert.equal(existsSync(join(REPO_ROOT, path)), false, `${path} exists`);
  });
});
