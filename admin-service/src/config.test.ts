import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@catalogue/shared';
import { loadAdminConfig } from './config';

describe('loadAdminConfig', () => {
  test('when DB_USER is missing, it throws a ConfigError naming DB_USER', () => {
    assert.throws(
      () => loadAdminConfig({ DB_PASSWORD: 'x' }),
      (err: unknown) => err instanceof ConfigError && /DB_USER/.test(err.message) && !/DB_PASSWORD/.test(err.message),
    );
  });

  test('when the environment is complete, it applies the defaults (port 8000, HTTP, consumer and relay on)', () => {
    const config = loadAdminConfig({ DB_USER: 'admin', DB_PASSWORD: '' });
    assert.equal(config.PORT, 8000);
    assert.equal(config.RUN_HTTP, true);
    assert.equal(config.RUN_CONSUMER, true);
    assert.equal(config.RUN_RELAY, true);
    assert.equal(config.DB_NAME, 'catalogue_admin');
  });

  test('when several keys are wrong, the one error names each of them', () => {
    assert.throws(() => loadAdminConfig({ DB_USER: 'admin', DB_PASSWORD: '', PORT: 'eighty', RUN_HTTP: 'maybe' }), (err: unknown) => err instanceof ConfigError && /PORT/.test(err.message) && /RUN_HTTP/.test(err.message));
  });
});
