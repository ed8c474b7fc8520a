import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AppError, DependencyBreaker } from '@catalogue/shared';
import { eventually } from '@catalogue/shared/testing';
import { AdminUsersClient } from './users.client';

/** Stands in for admin's GET /api/user (a remote service): it can fail, and it counts its calls. */
let admin: http.Server;
let adminUrl: string;
let calls = 0;
let failing = true;

before(async () => {
  admin = http.createServer((_req, res) => {
    calls++;
    res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' });
    res.end(failing ? '{"code":"internal_error","message":"boom"}' : '{"id":42}');
  });
  await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
  adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => admin.close(() => resolve())));

const code = (err: unknown) => (err instanceof AppError ? `${err.status} ${err.code}` : String(err));

describe('the development random-user call to admin, behind its breaker', () => {
  test('a failing admin opens it (503 at once, admin not called), and a successful trial after the half-open delay closes it', async () => {
    const breaker = new DependencyBreaker('admin_users', { timeoutMs: 1000, failures: 3, halfOpenAfterMs: 300 });
    const client = new AdminUsersClient(adminUrl, breaker);
    failing = true;
    for (let i = 0; i < 3; i++) assert.equal(await client.randomUserId().catch(code), '503 dependency_unavailable');
    assert.equal(breaker.state, 'open');
    const before = calls;
    assert.equal(await client.randomUserId().catch(code), '503 dependency_unavailable');
    assert.equal(calls, before, 'the open breaker did not call admin');
    failing = false;
    assert.equal(
      await eventually(() => client.randomUserId().catch(() => undefined), { what: 'a user through the half-open breaker' }),
      '42',
    );
    assert.equal(breaker.state, 'closed');
  });
});
