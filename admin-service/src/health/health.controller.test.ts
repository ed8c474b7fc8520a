import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { eventually } from '@catalogue/shared/testing';
import { startAdmin, type AdminUnderTest } from '../test-support';

describe('GET /api/health and /ready', () => {
  let admin: AdminUnderTest;
  before(async () => {
    admin = await startAdmin();
  });
  after(async () => {
    await admin?.stop();
  });

  test('when the database and the broker are up, health answers 200 ok naming both', async () => {
    const res = await request(admin.http).get('/api/health').expect(200);
    assert.deepEqual(res.body, { status: 'ok', checks: { database: 'up', broker: 'up' } });
  });

  test('liveness answers 200 ok', async () => {
    await request(admin.http).get('/ready').expect(200, { status: 'ok' });
  });
});

describe('GET /api/health without a broker', () => {
  let admin: AdminUnderTest;
  before(async () => {
    // Nothing listens on port 1: the broker stays unreachable.
    admin = await startAdmin({ RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1' }, { waitForConsumer: false });
  });
  after(async () => {
    await admin?.stop();
  });

  test('when the broker is unreachable, health answers 503 unavailable naming the broker down, and liveness still answers 200', async () => {
    const res = await eventually(async () => {
      const answer = await request(admin.http).get('/api/health');
      return answer.status === 503 ? answer : undefined;
    });
    assert.deepEqual(res.body, { status: 'unavailable', checks: { database: 'up', broker: 'down' } });
    await request(admin.http).get('/ready').expect(200);
  });
});
