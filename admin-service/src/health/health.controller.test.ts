import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { eventually, FaultProxy, TEST_DB } from '@catalogue/shared/testing';
import { Lifecycle } from '../common/tokens';
import { startAdmin, type AdminUnderTest } from '../test-support';

describe('GET /livez, /readyz and /api/health with every dependency up', () => {
  let admin: AdminUnderTest;
  before(async () => {
    admin = await startAdmin();
  });
  after(async () => {
    await admin?.stop();
  });

  test('liveness and readiness answer 200 ok; the report names each dependency up and says readiness needs only the database', async () => {
    await request(admin.http).get('/livez').expect(200, { status: 'ok' });
    await request(admin.http).get('/readyz').expect(200, { status: 'ok' });
    const res = await request(admin.http).get('/api/health').expect(200);
    assert.deepEqual(res.body, { status: 'ok', checks: { database: 'up', broker: 'up' }, required: ['database'], draining: false });
  });

  test('/ready, the older liveness path, still answers 200 ok', async () => {
    await request(admin.http).get('/ready').expect(200, { status: 'ok' });
  });

  test('while draining for shutdown, readiness and the report answer 503 naming it; liveness still answers 200', async () => {
    const lifecycle = admin.app.get(Lifecycle);
    lifecycle.draining = true;
    try {
      await request(admin.http)
        .get('/readyz')
        .expect(503, { status: 'unavailable', failing: ['draining'] });
      assert.equal((await request(admin.http).get('/api/health').expect(503)).body.draining, true);
      await request(admin.http).get('/livez').expect(200);
    } finally {
      lifecycle.draining = false;
    }
  });
});

describe('the probes of an API whose broker and then database are unreachable', () => {
  let admin: AdminUnderTest;
  let dbProxy: FaultProxy;
  before(async () => {
    dbProxy = new FaultProxy(TEST_DB.host, TEST_DB.port);
    await dbProxy.start();
    // Nothing listens on port 1: the broker stays unreachable. The database goes through the proxy.
    admin = await startAdmin({ RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1' }, { waitForConsumer: false, databasePort: dbProxy.port });
  });
  after(async () => {
    await admin?.stop();
    await dbProxy?.stop();
  });

  test('with the broker down, readiness still answers 200 (the outbox keeps changes) and the report shows the broker down', async () => {
    await request(admin.http).get('/readyz').expect(200, { status: 'ok' });
    const res = await request(admin.http).get('/api/health').expect(200);
    assert.deepEqual(res.body, { status: 'ok', checks: { database: 'up', broker: 'down' }, required: ['database'], draining: false });
  });

  test('with the database down too, readiness answers 503 naming the database, and liveness still answers 200; it recovers with the database', async () => {
    dbProxy.setMode('reset');
    try {
      await request(admin.http)
        .get('/readyz')
        .expect(503, { status: 'unavailable', failing: ['database'] });
      assert.deepEqual((await request(admin.http).get('/api/health').expect(503)).body.checks, { database: 'down', broker: 'down' });
      await request(admin.http).get('/livez').expect(200, { status: 'ok' });
    } finally {
      dbProxy.setMode('pass');
    }
    await eventually(async () => (await request(admin.http).get('/readyz')).status === 200, { what: 'readiness back with the database' });
  });
});
