import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CLIENT_ADDRESS_HEADER, signClientAddress } from '@catalogue/shared';
import { PrivateHaproxy } from '../support/haproxy';
import { callFrom, listen, type ListeningSystem } from '../support/http';
import { startSystem, type SystemUnderTest } from '../support/system';

/**
 * Both services as Kubernetes ships them (test/deploy checks the ConfigMaps say so): one ingress in
 * front of each (HAProxy here, appending the client's address to X-Forwarded-For), each trusting
 * that one hop; main passing sign-ins straight to admin with the client's address, signed.
 * Every client sends from its own loopback address and writes whatever X-Forwarded-For it likes.
 */
const HOPS = '1';
const SECRET = `client-addresses-${randomUUID()}`;
const PER_ADDRESS = 3;

let system: SystemUnderTest;
let listening: ListeningSystem;
let ingress: PrivateHaproxy;

before(async () => {
  system = await startSystem({
    env: {
      main: { TRUST_PROXY_HOPS: HOPS, CLIENT_ADDRESS_SECRET: SECRET },
      admin: { TRUST_PROXY_HOPS: HOPS, CLIENT_ADDRESS_SECRET: SECRET, LOGIN_FAILURES_PER_ADDRESS: String(PER_ADDRESS) },
    },
  });
  listening = await listen(system);
  const port = (url: string) => Number(new URL(url).port);
  ingress = new PrivateHaproxy([
    { name: 'main', servers: [port(listening.mainUrl)] },
    { name: 'admin', servers: [(system.admin.http.address() as AddressInfo).port] },
  ]);
  await ingress.start();
});
after(async () => {
  await ingress?.stop();
  await listening?.close();
  await system?.stop();
});

/** A failed sign-in (an email nobody has) through the ingress to `service`, from `from`. */
const failedSignIn = (service: 'main' | 'admin', from: string, headers: Record<string, string> = {}) =>
  callFrom(`${ingress.url(service)}/api/auth/login`, {
    method: 'POST',
    from,
    headers,
    body: { email: `nobody-${randomUUID()}@example.test`, password: 'wrong' },
  }).then((res) => res.status);

/** Statuses of PER_ADDRESS + 1 failed sign-ins, each with the headers `spoof(i)` gives. */
async function failures(service: 'main' | 'admin', from: string, spoof: (i: number) => Record<string, string>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i <= PER_ADDRESS; i++) statuses.push(await failedSignIn(service, from, spoof(i)));
  return statuses;
}
const REFUSED_LAST = [...Array<number>(PER_ADDRESS).fill(401), 429];

describe('spoofed client addresses on sign-in', () => {
  test('console path: a client writing X-Forwarded-For to admin cannot change its limit key', async () => {
    const statuses = await failures('admin', '127.0.0.71', (i) => ({ 'x-forwarded-for': `203.0.113.${i + 1}` }));
    assert.deepEqual(statuses, REFUSED_LAST, 'each spoofed address still counted against the client');
    assert.equal(await failedSignIn('admin', '127.0.0.72'), 401, 'another client has its own count');
  });

  test('storefront path: a client writing X-Forwarded-For to main cannot change the address main forwards', async () => {
    const statuses = await failures('main', '127.0.0.73', (i) => ({ 'x-forwarded-for': `203.0.113.${i + 1}` }));
    assert.deepEqual(statuses, REFUSED_LAST);
    // Another client through the same main: counted as itself (not as main), on either path.
    const other = '127.0.0.74';
    const mixed = [
      await failedSignIn('main', other),
      await failedSignIn('admin', other),
      await failedSignIn('main', other),
      await failedSignIn('admin', other),
    ];
    assert.deepEqual(mixed, REFUSED_LAST, 'the address main forwards is the one the ingress saw, so both paths count one client together');
  });

  test("a forged client-address header sent straight to admin is ignored, and cannot charge another client's count", async () => {
    const victim = '127.0.0.76';
    const forged = (i: number) => ({
      [CLIENT_ADDRESS_HEADER]: signClientAddress(
        i % 2 ? victim : `203.0.113.${i + 1}`,
        'a-guessed-secret-that-is-long-enough-to-look-real',
      ),
    });
    assert.deepEqual(await failures('admin', '127.0.0.75', forged), REFUSED_LAST);
    for (let i = 0; i < PER_ADDRESS; i++)
      assert.equal(await failedSignIn('admin', victim), 401, `the victim's own attempt ${i + 1} still counts from zero`);
  });

  test('even through main, a client-address header the client wrote is not what main forwards', async () => {
    const forged = (i: number) => ({ [CLIENT_ADDRESS_HEADER]: signClientAddress(`203.0.113.${i + 1}`, SECRET) });
    assert.deepEqual(
      await failures('main', '127.0.0.77', forged),
      REFUSED_LAST,
      'even a validly signed header from a client is replaced by main',
    );
  });
});
