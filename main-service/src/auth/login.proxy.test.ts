import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startMain, type MainUnderTest } from '../test-support';

describe('POST /api/auth/login on main (passed to admin)', () => {
  let main: MainUnderTest;
  let adminStub: http.Server;
  let seen: { body: unknown; forwardedFor: string | undefined; path: string | undefined }[] = [];
  let adminAnswer: { status: number; body: string; headers?: Record<string, string> } = { status: 200, body: '{}' };

  before(async () => {
    // Stands in for admin's sign-in route: the dependency here is a remote service, not our code.
    adminStub = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        seen.push({ body: JSON.parse(raw), forwardedFor: req.headers['x-forwarded-for'] as string | undefined, path: req.url });
        res.writeHead(adminAnswer.status, { 'content-type': 'application/json', ...adminAnswer.headers });
        res.end(adminAnswer.body);
      });
    });
    await new Promise<void>((resolve) => adminStub.listen(0, '127.0.0.1', resolve));
    main = await startMain({ ADMIN_URL: `http://127.0.0.1:${(adminStub.address() as AddressInfo).port}` });
  });
  after(async () => {
    await main?.stop();
    adminStub.closeAllConnections();
    await new Promise((resolve) => adminStub.close(resolve));
  });

  test("passes only email and password to admin, with the caller's address, and answers admin's answer", async () => {
    seen = [];
    const answer = { token: 'header.payload.signature', expiresIn: 900, user: { id: 3, email: 'alice@example.com', role: 'customer' } };
    adminAnswer = { status: 200, body: JSON.stringify(answer) };
    const res = await request(main.app).post('/api/auth/login').send({ email: 'alice@example.com', password: 'secret', role: 'staff' }).expect(200);
    assert.deepEqual(res.body, answer);
    assert.deepEqual(seen[0]?.body, { email: 'alice@example.com', password: 'secret' }, 'nothing else is forwarded');
    assert.equal(seen[0]?.path, '/api/auth/login');
    assert.match(seen[0]?.forwardedFor ?? '', /127\.0\.0\.1/);
  });

  test("passes on admin's refusal (401) and its rate limit (429 with Retry-After) unchanged", async () => {
    adminAnswer = { status: 401, body: JSON.stringify({ code: 'invalid_credentials', message: 'email or password is wrong' }) };
    const refused = await request(main.app).post('/api/auth/login').send({ email: 'a@example.com', password: 'x' }).expect(401);
    assert.equal(refused.body.code, 'invalid_credentials');

    adminAnswer = { status: 429, body: JSON.stringify({ code: 'too_many_requests', message: 'try again later' }), headers: { 'retry-after': '30' } };
    const limited = await request(main.app).post('/api/auth/login').send({ email: 'a@example.com', password: 'x' }).expect(429);
    assert.equal(limited.headers['retry-after'], '30');
  });

  test('answers 503 in the shared error shape when admin fails or does not answer', async () => {
    adminAnswer = { status: 500, body: JSON.stringify({ code: 'internal_error', message: 'boom' }) };
    const failed = await request(main.app).post('/api/auth/login').send({ email: 'a@example.com', password: 'x' }).expect(503);
    assert.equal(failed.body.code, 'dependency_unavailable');

    const down = await startMain({ ADMIN_URL: 'http://127.0.0.1:1', ADMIN_TIMEOUT_MS: '500' });
    try {
      const res = await request(down.app).post('/api/auth/login').send({ email: 'a@example.com', password: 'x' }).expect(503);
      assert.match(res.body.message, /sign-in is unavailable/);
    } finally {
      await down.stop();
    }
  });
});
