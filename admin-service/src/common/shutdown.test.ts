import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '@catalogue/shared/testing';
import request from 'supertest';
import { startAdmin } from '../test-support';

describe('shutdown of an API process behind a load balancer (SHUTDOWN_DRAIN_MS)', () => {
  test('readiness turns 503 at once while requests are still answered during the drain; then it stops', async () => {
    const admin = await startAdmin({ SHUTDOWN_DRAIN_MS: '4000', SHUTDOWN_TIMEOUT_MS: '20000' });
    try {
      const started = Date.now();
      const closing = admin.close();
      await eventually(async () => (await request(admin.http).get('/readyz')).status === 503, { what: 'readiness to turn 503' });
      await admin.api.get('/api/products?limit=1').expect(200);
      await admin.api
        .post('/api/products')
        .send({ title: `Drained ${Date.now()}`, image: 'https://img.example.com/d.png' })
        .expect(201);
      await closing;
      assert.ok(Date.now() - started >= 4000, 'the listener stayed open for the whole drain');
    } finally {
      await admin.stop();
    }
  });
});
