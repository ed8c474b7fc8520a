import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLIENT_ADDRESS_HEADER, RateLimitCounters, signClientAddress } from '@catalogue/shared';
import { sampleValue } from '@catalogue/shared/testing';
import request from 'supertest';
import { startAdmin, type AdminUnderTest } from '../test-support';
import { hashPassword } from './passwords';

/**
 * Each client's address is what a one-hop ingress would append to X-Forwarded-For: admin trusts one
 * hop, as Kubernetes ships it (the console reaches admin through the ingress alone).
 */
const BEHIND_INGRESS = { TRUST_PROXY_HOPS: '1' };
const SECRET = 'sign-in-limits-test-client-address-secret';

/** The limits as shipped. */
let shipped: AdminUnderTest;
/** Few failures per address, main's secret known. */
let strict: AdminUnderTest;
/** Per-address limit lifted and a small in-process bound, to watch the stores' size. */
let bounded: AdminUnderTest;
const MEMORY_KEYS = 200;

before(async () => {
  [shipped, strict, bounded] = await Promise.all([
    startAdmin({ ...BEHIND_INGRESS, CLIENT_ADDRESS_SECRET: SECRET }, { waitForConsumer: false }),
    startAdmin({ ...BEHIND_INGRESS, CLIENT_ADDRESS_SECRET: SECRET, LOGIN_FAILURES_PER_ADDRESS: '3' }, { waitForConsumer: false }),
    startAdmin(
      { ...BEHIND_INGRESS, LOGIN_FAILURES_PER_ADDRESS: '1000000', RATE_LIMIT_MEMORY_KEYS: String(MEMORY_KEYS) },
      { waitForConsumer: false },
    ),
  ]);
});
after(async () => {
  await Promise.all([shipped?.stop(), strict?.stop(), bounded?.stop()]);
});

let counter = 0;
const unique = () => `${++counter}.${Date.now().toString(36)}`;
async function aStaffMember(app: AdminUnderTest): Promise<{ email: string; password: string }> {
  const email = `staff-${unique()}@example.test`;
  const password = 'the owner knows this one';
  await app.db.query("INSERT INTO users (email, name, password_hash, role) VALUES (?, 'Staff', ?, 'staff')", [
    email,
    await hashPassword(password),
  ]);
  return { email, password };
}

/** A sign-in from a client whose address the ingress reports as `from`. */
const signIn = (app: AdminUnderTest, from: string, body: object) =>
  request(app.http).post('/api/auth/login').set('x-forwarded-for', from).send(body);

const metric = async (app: AdminUnderTest, name: string, labels: Record<string, string> = {}) =>
  sampleValue((await request(app.http).get('/metrics').expect(200)).text, name, labels);

describe('an attacker elsewhere cannot lock a staff member out', () => {
  test('after 12 wrong passwords from address A, the right one from address B signs in, slowed by at most LOGIN_DELAY_MAX_MS', async () => {
    const owner = await aStaffMember(shipped);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await signIn(shipped, '198.51.100.10', { email: owner.email, password: `guess ${i}` })).status);
    assert.deepEqual(
      statuses,
      [...Array<number>(10).fill(401), 429, 429],
      'A is refused after LOGIN_FAILURES_PER_EMAIL (10) for this email',
    );
    const delaysBefore = await metric(shipped, 'catalogue_sign_in_delay_seconds_count');
    const delayedBefore = await metric(shipped, 'catalogue_sign_in_delay_seconds_sum');

    const res = await signIn(shipped, '203.0.113.20', { email: owner.email, password: owner.password }).expect(200);
    assert.equal(res.body.user.email, owner.email);

    assert.equal(
      (await metric(shipped, 'catalogue_sign_in_delay_seconds_count')) - delaysBefore,
      1,
      "the owner's sign-in was delayed, not refused",
    );
    const waited = (await metric(shipped, 'catalogue_sign_in_delay_seconds_sum')) - delayedBefore;
    assert.ok(
      waited > 0 && waited <= shipped.config.LOGIN_DELAY_MAX_MS / 1000,
      `delayed ${waited} s, at most ${shipped.config.LOGIN_DELAY_MAX_MS} ms`,
    );
  });

  test('from address A itself the limit still holds: the right password is refused with 429 once A has failed too often', async () => {
    const owner = await aStaffMember(shipped);
    for (let i = 0; i < 10; i++) await signIn(shipped, '198.51.100.11', { email: owner.email, password: `guess ${i}` }).expect(401);
    const refused = await signIn(shipped, '198.51.100.11', { email: owner.email, password: owner.password }).expect(429);
    assert.equal(refused.body.code, 'rate_limited');
    assert.match(String(refused.headers['ratelimit-policy']), /"login-email-address"; q=10; w=900/);
  });

  test('one address guessing many emails is still refused after LOGIN_FAILURES_PER_ADDRESS', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await signIn(strict, '198.51.100.12', { email: `nobody-${unique()}@example.test`, password: 'x' })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    await signIn(strict, '198.51.100.13', { email: `nobody-${unique()}@example.test`, password: 'x' }).expect(401);
  });

  test('thousands of unique 16 KB emails do not grow the in-process stores beyond their bound', async () => {
    const requests = 2000;
    const batch = 25;
    for (let sent = 0; sent < requests; sent += batch) {
      await Promise.all(
        Array.from({ length: batch }, (_, i) =>
          signIn(bounded, '198.51.100.14', { email: `${'x'.repeat(16_000)}-${sent + i}@example.test`, password: 'x' }).expect(400),
        ),
      );
    }
    const use = bounded.app.get(RateLimitCounters).memoryUse();
    for (const limiter of ['login-email', 'login-email-address']) {
      const store = use[limiter];
      assert.ok(store, `${limiter} counts in memory`);
      assert.ok(store.keys <= MEMORY_KEYS, `${limiter} holds ${store.keys} keys, bound ${MEMORY_KEYS}`);
      assert.ok(store.evicted >= requests - MEMORY_KEYS, `${limiter} made room ${store.evicted} times`);
      assert.ok(store.longestKey <= 64, `${limiter}'s longest key has ${store.longestKey} characters, not 16 KB`);
    }
    assert.equal(use['login-address']?.keys, 1, 'one address, one key');
  });
});

describe("main's client-address header on a sign-in", () => {
  test('with a valid proof, the sign-in counts under the address main names, apart from the sender', async () => {
    const viaMain = (client: string) => ({ [CLIENT_ADDRESS_HEADER]: signClientAddress(client, SECRET) });
    const mainPod = '10.0.0.5';
    const before = await metric(strict, 'catalogue_sign_in_client_addresses_total', { outcome: 'verified' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await signIn(strict, mainPod, { email: `nobody-${unique()}@example.test`, password: 'x' }).set(viaMain('203.0.113.30'))).status,
      );
    }
    assert.deepEqual(statuses, [401, 401, 401, 429], 'the client main named is limited');
    await signIn(strict, mainPod, { email: `nobody-${unique()}@example.test`, password: 'x' })
      .set(viaMain('203.0.113.31'))
      .expect(401);
    await signIn(strict, mainPod, { email: `nobody-${unique()}@example.test`, password: 'x' }).expect(401);
    assert.equal((await metric(strict, 'catalogue_sign_in_client_addresses_total', { outcome: 'verified' })) - before, 5);
  });

  test('a forged header sent straight to admin is ignored: the sender is counted, whatever address it claims', async () => {
    const sender = '198.51.100.15';
    const forged = [
      `a=203.0.113.40;t=${Math.floor(Date.now() / 1000)};s=${'A'.repeat(43)}`,
      signClientAddress('203.0.113.41', 'not-the-secret-but-long-enough-to-pass-32'),
      signClientAddress('203.0.113.42', SECRET, Date.now() - 10 * 60_000),
      '203.0.113.43',
    ];
    const statuses: number[] = [];
    for (const value of forged)
      statuses.push(
        (await signIn(strict, sender, { email: `nobody-${unique()}@example.test`, password: 'x' }).set(CLIENT_ADDRESS_HEADER, value))
          .status,
      );
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    for (const outcome of ['bad_proof', 'expired', 'malformed'])
      assert.ok((await metric(strict, 'catalogue_sign_in_client_addresses_total', { outcome })) >= 1, outcome);
    // The addresses it claimed were never charged.
    await signIn(strict, '203.0.113.40', { email: `nobody-${unique()}@example.test`, password: 'x' }).expect(401);
  });

  test('an admin without the secret ignores the header, even one main signed', async () => {
    const remaining = (res: request.Response) => Number(/"login-address"; r=(\d+)/.exec(String(res.headers['ratelimit']))?.[1]);
    const left: number[] = [];
    for (const claimed of ['203.0.113.50', '203.0.113.51', '203.0.113.52']) {
      const res = await signIn(bounded, '198.51.100.16', { email: `nobody-${unique()}@example.test`, password: 'x' })
        .set(CLIENT_ADDRESS_HEADER, signClientAddress(claimed, SECRET))
        .expect(401);
      left.push(remaining(res));
    }
    assert.deepEqual(left, [left[0], left[0]! - 1, left[0]! - 2], 'all three counted under the sender');
    assert.ok((await metric(bounded, 'catalogue_sign_in_client_addresses_total', { outcome: 'not_configured' })) >= 3);
  });
});
