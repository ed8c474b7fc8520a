import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DependencyBreaker, DependencyBreakerOpen } from '@catalogue/shared';
import { eventually } from '@catalogue/shared/testing';
import { AdminSnapshotClient } from './admin-snapshot.client';

/** Stands in for admin's snapshot route (a remote service): it can fail or refuse, and counts its calls. */
let admin: http.Server;
let adminUrl: string;
let calls = 0;
let answer: { status: number; body: unknown } = { status: 503, body: { code: 'dependency_unavailable', message: 'down' } };

before(async () => {
  admin = http.createServer((_req, res) => {
    calls++;
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
  adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => admin.close(() => resolve())));

describe("the resync's snapshot calls to admin, behind their breaker", () => {
  test('5xx answers open it, an open breaker refuses at once, and admin answering again closes it', async () => {
    const breaker = new DependencyBreaker('admin_snapshot', { timeoutMs: 1000, failures: 2, halfOpenAfterMs: 300 });
    const client = new AdminSnapshotClient(adminUrl, breaker, 'staff-token');
    answer = { status: 503, body: { code: 'dependency_unavailable', message: 'down' } };
    for (let i = 0; i < 2; i++) await assert.rejects(client.page(0, 10), /answered 503/);
    const before = calls;
    await assert.rejects(client.page(0, 10), DependencyBreakerOpen);
    assert.equal(calls, before, 'the open breaker did not call admin');
    answer = { status: 200, body: { items: [{ id: 1, deleted: true, version: 2, likes: 0 }], next: null } };
    const page = await eventually(() => client.page(0, 10).catch(() => undefined), { what: 'a page through the half-open breaker' });
    assert.deepEqual(page, { items: [{ id: 1, deleted: true, version: 2, likes: 0 }], next: null });
    assert.equal(breaker.state, 'closed');
  });

  test('a refusal (401: a wrong ADMIN_TOKEN) is reported as such and never opens the breaker', async () => {
    const breaker = new DependencyBreaker('admin_snapshot', { timeoutMs: 1000, failures: 2, halfOpenAfterMs: 60_000 });
    const client = new AdminSnapshotClient(adminUrl, breaker);
    answer = { status: 401, body: { code: 'unauthenticated', message: 'no token' } };
    for (let i = 0; i < 4; i++) await assert.rejects(client.page(0, 10), /answered 401/);
    assert.equal(breaker.state, 'closed');
  });
});
