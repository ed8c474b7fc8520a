import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadOpsConfig } from './config';

describe('operator command configuration', () => {
  test('defaults reach local services and broker', () => {
    const config = loadOpsConfig({}, { broker: true });
    assert.equal(config.MAIN_URL, 'http://127.0.0.1:5000');
    assert.equal(config.ADMIN_URL, 'http://127.0.0.1:8000');
    assert.equal(config.brokerUrl, 'amqp://guest:guest@127.0.0.1:5672');
  });

  test('in production only the broker command needs RABBITMQ_URL; a bad value is named, never echoed', () => {
    assert.doesNotThrow(() => loadOpsConfig({ NODE_ENV: 'production' }, { broker: false }));
    assert.throws(() => loadOpsConfig({ NODE_ENV: 'production' }, { broker: true }), /RABBITMQ_URL \(required in production\)/);
    assert.throws(
      () => loadOpsConfig({ MAIN_URL: 'not a url with-secret-s3cr3t' }, { broker: false }),
      (err: Error) => /MAIN_URL/.test(err.message) && !err.message.includes('s3cr3t'),
    );
  });
});
