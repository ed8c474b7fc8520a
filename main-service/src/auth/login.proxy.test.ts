import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { CLIENT_ADDRESS_HEADER, verifyClientAddress } from '@catalogue/shared';
import { eventually } from '@catalogue/shared/testing';
import { startMain, type MainUnderTest } from '../test-support';

const SECRET = 'login-proxy-test-client-address-secret-0123';

describe('POST /api/auth/login on main (passed to admin)', () => {
  let main: MainUnderTest;
  let adminStub: http.Server;
  let seen: { body: unknown; forwardedFor: string | undefined; clientAddress: string | undefined; path: string | undefined }[] = [];
  let adminUrl: string;
  let adminAnswer: { status: number; body: string; headers?: Record<string, string>; hang?: boolean } = { status: 200, body: '{}' };

  before(async () => {
    // Stands in for admin's sign-in route: the dependency here is a remote service, not our code.
    adminStub = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        seen.push({
          body: JSON.parse(raw),
          forwardedFor: req.headers['x-forwarded-for'] as string | undefined,
          clientAddress: req.headers[CLIENT_ADDRESS_HEADER] as string | undefined,
          path: req.url,
        });
        // A hung admin: the request stays open and unanswered (closed when the test server closes).
        if (adminAnswer.hang) return;
        res.writeHead(adminAnswer.status, { 'content-type': 'application/json', ...adminAnswer.headers });
        res.end(adminAnswer.body);
      });
    });
    await new Promise<void>((resolve) => adminStub.listen(0, '127.0.0.1', resolve));
    adminUrl = `http://127.0.0.1:${(adminStub.address() as AddressInfo).port}`;
    main = await startMain({ ADMIN_URL: adminUrl, CLIENT_ADDRESS_SECRET: SECRET });
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
    const res = await request(main.app)
      .post('/api/auth/login')
      .send({ email: 'alice@example.com', password: 'secret', role: 'staff' })
      .expect(200);
    assert.deepEqual(res.body, answer);
    assert.deepEqual(seen[0]?.body, { email: 'alice@example.com', password: 'secret' }, 'nothing else is forwarded');
    assert.equal(seen[0]?.path, '/api/auth/login');
    const forwarded = verifyClientAddress(seen[0]?.clientAddress ?? '', [SECRET]);
    assert.ok(forwarded.ok && /127\.0\.0\.1$/.test(forwarded.address), `the socket's address, signed: ${JSON.stringify(forwarded)}`);
  });

  test("a client's X-Forwarded-For never reaches admin, nor changes the address main forwards (no proxy trusted)", async () => {
    seen = [];
    adminAnswer = { status: 401, body: JSON.stringify({ code: 'invalid_credentials', message: 'no' }) };
    await request(main.app)
      .post('/api/auth/login')
      .set('x-forwarded-for', '203.0.113.66')
      .send({ email: 'a@example.com', password: 'x' })
      .expect(401);
    assert.equal(seen[0]?.forwardedFor, undefined, 'no X-Forwarded-For is passed on');
    const forwarded = verifyClientAddress(seen[0]?.clientAddress ?? '', [SECRET]);
    assert.ok(forwarded.ok && /127\.0\.0\.1$/.test(forwarded.address), `still the socket's address: ${JSON.stringify(forwarded)}`);
  });

  test('behind one trusted proxy, main forwards the address that proxy appended, never what the client wrote before it', async () => {
    const behindIngress = await startMain({ ADMIN_URL: adminUrl, CLIENT_ADDRESS_SECRET: SECRET, TRUST_PROXY_HOPS: '1' });
    try {
      seen = [];
      adminAnswer = { status: 401, body: JSON.stringify({ code: 'invalid_credentials', message: 'no' }) };
      // The client wrote 203.0.113.66; the ingress appended the address it saw, 198.51.100.7.
      await request(behindIngress.app)
        .post('/api/auth/login')
        .set('x-forwarded-for', '203.0.113.66, 198.51.100.7')
        .send({ email: 'a@example.com', password: 'x' })
        .expect(401);
      assert.deepEqual(verifyClientAddress(seen[0]?.clientAddress ?? '', [SECRET]), { ok: true, address: '198.51.100.7' });
      assert.equal(seen[0]?.forwardedFor, undefined);
    } finally {
      await behindIngress.stop();
    }
  });

  test('without CLIENT_ADDRESS_SECRET main forwards no address at all (admin then counts main itself)', async () => {
    const unsigned = await startMain({ ADMIN_URL: adminUrl });
    try {
      seen = [];
      adminAnswer = { status: 401, body: JSON.stringify({ code: 'invalid_credentials', message: 'no' }) };
      await request(unsigned.app)
        .post('/api/auth/login')
        .set('x-forwarded-for', '203.0.113.66')
        .send({ email: 'a@example.com', password: 'x' })
        .expect(401);
      assert.equal(seen[0]?.clientAddress, undefined);
      assert.equal(seen[0]?.forwardedFor, undefined);
    } finally {
      await unsigned.stop();
    }
  });

  test("passes on admin's refusal (401) and its rate limit (429 with Retry-After) unchanged", async () => {
    adminAnswer = { status: 401, body: JSON.stringify({ code: 'invalid_credentials', message: 'email or password is wrong' }) };
    const refused = await request(main.app).post('/api/auth/login').send({ email: 'a@example.com', password: 'x' }).expect(401);
    assert.equal(refused.body.code, 'invalid_credentials');

    adminAnswer = {
      status: 429,
      body: JSON.stringify({ code: 'too_many_requests', message: 'try again later' }),
      headers: { 'retry-after': '30' },
    };
    const limited = await request(main.app).post('/api/auth/login').send({ email: 'a@example.com', password: 'x' }).expect(429);
    assert.equal(limited.headers['retry-after'], '30');
  });

  test('answers 503 in the shared error shape when admin fails or does not answer', async () => {
    adminAnswer = { status: 500, body: JSON.stringify({ code: 'internal_error', message: 'boom' }) };
    const failed = await request(main.app).post('/api/auth/login').send({ email: 'a@example.com', password: 'x' }).expect(503);
    assert.equal(failed.body.code, 'dependency_unavailable');

    const down = await startMain({ ADMIN_URL: 'http://127.0.0.1:1', LOGIN_TIMEOUT_MS: '500' });
    try {
      const res = await request(down.app).post('/api/auth/login').send({ email: 'a@example.com', password: 'x' }).expect(503);
      assert.match(res.body.message, /sign-in is unavailable/);
    } finally {
      await down.stop();
    }
  });

  describe('behind its circuit breaker (ADMIN_BREAKER_FAILURES, ADMIN_BREAKER_HALF_OPEN_MS)', () => {
    const signIn = (app: MainUnderTest['app']) => request(app).post('/api/auth/login').send({ email: 'a@example.com', password: 'x' });
    const breakerState = async (service: MainUnderTest) => {
      const metric = await service.metrics.registry.getSingleMetric('catalogue_dependency_breaker_state')!.get();
      return metric.values.find((v) => v.labels.dependency === 'admin_sign_in')?.value;
    };
    const refusedCount = async (service: MainUnderTest) =>
      (await service.metrics.registry.getSingleMetric('catalogue_dependency_calls_refused_total')!.get()).values.find(
        (v) => v.labels.dependency === 'admin_sign_in',
      )?.value;

    test('opens after repeated timeouts, then answers 503 at once without calling admin, and closes again after a successful trial', async () => {
      const guarded = await startMain({
        ADMIN_URL: adminUrl,
        LOGIN_TIMEOUT_MS: '300',
        ADMIN_BREAKER_FAILURES: '2',
        ADMIN_BREAKER_HALF_OPEN_MS: '1000',
      });
      try {
        assert.equal(await breakerState(guarded), 0, 'closed at the start');
        // Admin hangs: each sign-in waits out LOGIN_TIMEOUT_MS and fails; two in a row open the breaker.
        adminAnswer = { status: 200, body: '{}', hang: true };
        for (let i = 0; i < 2; i++) {
          const res = await signIn(guarded.app).expect(503);
          assert.equal(res.body.code, 'dependency_unavailable');
        }
        assert.equal(await breakerState(guarded), 2, 'open');

        // Open: refused at once, admin never asked, the client told when to come back.
        seen = [];
        const refused = await signIn(guarded.app).expect(503);
        assert.deepEqual(Object.keys(refused.body).sort(), ['code', 'message']);
        assert.equal(refused.body.code, 'dependency_unavailable');
        assert.equal(refused.headers['retry-after'], '1');
        assert.equal(seen.length, 0, 'the open breaker did not call admin');
        assert.equal(await refusedCount(guarded), 1);

        // Admin is back: after the half-open delay one trial goes through, succeeds, and closes the breaker.
        const answer = { token: 'header.payload.signature', expiresIn: 900, user: { id: 3, email: 'a@example.com', role: 'customer' } };
        adminAnswer = { status: 200, body: JSON.stringify(answer) };
        await eventually(async () => (await signIn(guarded.app)).status === 200, {
          what: 'a sign-in through the half-open breaker',
          timeoutMs: 20_000,
        });
        assert.equal(await breakerState(guarded), 0, 'closed again');
        seen = [];
        await signIn(guarded.app).expect(200, answer);
        assert.equal(seen.length, 1, 'calls reach admin again');
      } finally {
        adminAnswer = { status: 200, body: '{}' };
        adminStub.closeAllConnections();
        await guarded.stop();
      }
    });

    test("admin's refusals (401, 429) are answers, not failures: they never open the breaker", async () => {
      const guarded = await startMain({ ADMIN_URL: adminUrl, ADMIN_BREAKER_FAILURES: '2' });
      try {
        adminAnswer = { status: 401, body: JSON.stringify({ code: 'invalid_credentials', message: 'no' }) };
        for (let i = 0; i < 4; i++) await signIn(guarded.app).expect(401);
        assert.equal(await breakerState(guarded), 0);
      } finally {
        await guarded.stop();
      }
    });
  });
});
