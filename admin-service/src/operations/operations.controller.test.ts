import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { eventually, publishRaw } from '@catalogue/shared/testing';
import { startAdmin, type AdminUnderTest } from '../test-support';

describe('GET /api/operations', () => {
  let admin: AdminUnderTest;
  let mainStub: http.Server;
  let mainAnswer: { status: number; body: string } = {
    status: 200,
    body: JSON.stringify({ status: 'ok', checks: { database: 'up', broker: 'up' } }),
  };
  let outboxAnswer: { status: number; body: string } = { status: 200, body: JSON.stringify({ outbox: { rows: 2, oldestAgeSeconds: 30 } }) };
  const outboxAsks: (string | undefined)[] = [];

  before(async () => {
    // Stands in for main-service's health route: a remote service, not our code.
    mainStub = http.createServer((req, res) => {
      const answer = req.url === '/api/operations' ? outboxAnswer : mainAnswer;
      if (req.url === '/api/operations') outboxAsks.push(req.headers.authorization);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => mainStub.listen(0, '127.0.0.1', resolve));
    admin = await startAdmin({ MAIN_URL: `http://127.0.0.1:${(mainStub.address() as AddressInfo).port}` });
  });
  after(async () => {
    await admin?.stop();
    mainStub.closeAllConnections();
    await new Promise((resolve) => mainStub.close(resolve));
  });

  test("reports both services' health, both outbox backlogs (main's asked with the caller's token) and each dead-letter queue's depth", async () => {
    mainAnswer = { status: 200, body: JSON.stringify({ status: 'ok', checks: { database: 'up', broker: 'up' } }) };
    await publishRaw(admin.topology.mainExchange, 'product_liked', '{"not":"an event"}', { messageId: 'poison-ops' });
    const report = await eventually(
      async () => {
        const res = await admin.api.get('/api/operations').expect(200);
        return res.body.deadLetters[1].messages === 1 ? res.body : undefined;
      },
      { what: 'the poison like in admin.dead-letter' },
    );
    assert.deepEqual(report.services, [
      { service: 'admin-service', status: 'ok', checks: { database: 'up', broker: 'up' } },
      { service: 'main-service', status: 'ok', checks: { database: 'up', broker: 'up' } },
    ]);
    assert.deepEqual(report.outbox[0], { service: 'admin-service', pending: 0, oldestAt: null });
    assert.equal(report.outbox[1].pending, 2);
    const age = Date.now() - Date.parse(report.outbox[1].oldestAt);
    assert.ok(age >= 29_000 && age < 120_000, `main's oldest outbox row is about 30 s old (${age} ms)`);
    assert.match(outboxAsks.at(-1) ?? '', /^Bearer /, "main is asked with the staff member's own token");
    assert.deepEqual(
      report.deadLetters.map((d: { service: string; queue: string; messages: number }) => [d.service, d.queue, d.messages]),
      [
        ['main-service', admin.topology.mainDeadLetterQueue, 0],
        ['admin-service', admin.topology.adminDeadLetterQueue, 1],
      ],
    );
    assert.equal(report.replay.available, false);
  });

  test('names main-service unreachable when it answers something that is not its health report', async () => {
    mainAnswer = { status: 502, body: '<html>bad gateway</html>' };
    outboxAnswer = { status: 502, body: '<html>bad gateway</html>' };
    const res = await admin.api.get('/api/operations').expect(200);
    assert.deepEqual(res.body.services[1], { service: 'main-service', status: 'unreachable' });
    assert.deepEqual(res.body.outbox[1], { service: 'main-service', pending: null, oldestAt: null, note: 'main-service did not answer' });
    assert.equal(res.body.services[0].status, 'ok', "admin's own health is still reported");
  });

  test('passes on main-service being unavailable, with the check that failed', async () => {
    mainAnswer = { status: 503, body: JSON.stringify({ status: 'unavailable', checks: { database: 'up', broker: 'down' } }) };
    const res = await admin.api.get('/api/operations').expect(200);
    assert.deepEqual(res.body.services[1], { service: 'main-service', status: 'unavailable', checks: { database: 'up', broker: 'down' } });
  });

  test('answers 401 without a token and 403 to a customer', async () => {
    await request(admin.http).get('/api/operations').expect(401);
    await request(admin.http)
      .get('/api/operations')
      .set('authorization', `Bearer ${await admin.tokenFor('7', 'customer')}`)
      .expect(403);
  });
});
