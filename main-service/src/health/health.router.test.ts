import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createDataSource, createLogger } from '@catalogue/shared';
import { eventually, FaultProxy } from '@catalogue/shared/testing';
import { buildMainService, type MainService } from '../app';
import { startMain, type MainUnderTest } from '../test-support';

let main: MainUnderTest;

before(async () => {
  main = await startMain();
  await main.messaging.ready();
});
after(async () => {
  await main?.stop();
});

describe('GET /livez, /readyz and /api/health with every dependency up', () => {
  test('liveness and readiness answer 200 ok; the report names each dependency up and says readiness needs only the database', async () => {
    await request(main.app).get('/livez').expect(200, { status: 'ok' });
    await request(main.app).get('/readyz').expect(200, { status: 'ok' });
    const res = await request(main.app).get('/api/health').expect(200);
    assert.deepEqual(res.body, { status: 'ok', checks: { database: 'up', broker: 'up' }, required: ['database'], draining: false });
  });

  test('the older paths keep answering: /ready is liveness, /flask/api/health the report', async () => {
    await request(main.app).get('/ready').expect(200, { status: 'ok' });
    const res = await request(main.app).get('/flask/api/health').expect(200);
    assert.equal(res.body.status, 'ok');
    assert.deepEqual(res.body.required, ['database']);
  });

  test('while draining for shutdown, readiness and the report answer 503 naming it; liveness still answers 200', async () => {
    main.lifecycle.draining = true;
    try {
      await request(main.app)
        .get('/readyz')
        .expect(503, { status: 'unavailable', failing: ['draining'] });
      const res = await request(main.app).get('/api/health').expect(503);
      assert.deepEqual(res.body, {
        status: 'unavailable',
        checks: { database: 'up', broker: 'up' },
        required: ['database'],
        draining: true,
      });
      await request(main.app).get('/livez').expect(200);
    } finally {
      main.lifecycle.draining = false;
    }
  });
});

describe('the probes of an API whose broker and then database are unreachable', () => {
  let dbProxy: FaultProxy;
  let dataSource: DataSource;
  let cutOff: MainService;

  before(async () => {
    // The same service, its database reached through a proxy the test can cut, its broker nowhere.
    dbProxy = new FaultProxy(main.db.credentials.host, main.db.credentials.port);
    await dbProxy.start();
    dataSource = createDataSource({ credentials: { ...main.db.credentials, port: dbProxy.port }, poolSize: 2 });
    await dataSource.initialize();
    cutOff = buildMainService(
      { ...main.config, brokerUrl: 'amqp://guest:guest@127.0.0.1:1' },
      dataSource,
      createLogger({ service: 'main-test', level: 'silent' }),
    );
    await cutOff.messaging.start();
  });
  after(async () => {
    await cutOff?.messaging.stop(1000);
    await dataSource?.destroy();
    await dbProxy?.stop();
  });

  test('with the broker down, readiness still answers 200 (the outbox keeps likes) and the report shows the broker down', async () => {
    await request(cutOff.app).get('/readyz').expect(200, { status: 'ok' });
    const res = await request(cutOff.app).get('/api/health').expect(200);
    assert.deepEqual(res.body, { status: 'ok', checks: { database: 'up', broker: 'down' }, required: ['database'], draining: false });
  });

  test('with the database down too, readiness answers 503 naming the database, and liveness still answers 200; it recovers with the database', async () => {
    dbProxy.setMode('reset');
    try {
      await request(cutOff.app)
        .get('/readyz')
        .expect(503, { status: 'unavailable', failing: ['database'] });
      const res = await request(cutOff.app).get('/api/health').expect(503);
      assert.deepEqual(res.body.checks, { database: 'down', broker: 'down' });
      await request(cutOff.app).get('/livez').expect(200, { status: 'ok' });
      await request(cutOff.app).get('/ready').expect(200);
    } finally {
      dbProxy.setMode('pass');
    }
    await eventually(async () => (await request(cutOff.app).get('/readyz')).status === 200, { what: 'readiness back with the database' });
  });
});
