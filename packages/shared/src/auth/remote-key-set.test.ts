import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { calculateJwkThumbprint, SignJWT, type JWK } from 'jose';
import { DependencyBreaker } from '../http/dependency-breaker';
import { AppError } from '../http/errors';
import { ServiceMetrics } from '../observability/metrics';
import { eventually } from '../testing';
import { credentialEvents } from '../observability/credential-events';
import { TokenVerifier } from './tokens';

/** A JWKS endpoint that counts its fetches and can be told to fail. */
let server: http.Server;
let url: string;
let served: JWK[] = [];
let fetches = 0;
let failing = false;

before(async () => {
  server = http.createServer((_req, res) => {
    fetches++;
    if (failing) {
      res.statusCode = 500;
      res.end('{}');
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: served }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface Key {
  privateKey: KeyObject;
  jwk: JWK & { kid: string };
}
async function key(): Promise<Key> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { kty, n, e } = publicKey.export({ format: 'jwk' });
  const jwk = { kty: kty!, n: n!, e: e! };
  return { privateKey, jwk: { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' } };
}
const claims = { issuer: 'catalogue-admin', audience: 'catalogue' };
const tokenOf = (signer: Key, kid = signer.jwk.kid) =>
  new SignJWT({ role: 'customer' })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setSubject('9')
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setExpirationTime('5m')
    .sign(signer.privateKey);
const status = (verifier: TokenVerifier, token: string) =>
  verifier.verify(`Bearer ${token}`).then(
    () => 200,
    (err: unknown) => (err instanceof AppError ? err.status : 0),
  );
const verifierFor = (cooldownMs: number, maxAgeMs = 60_000) =>
  new TokenVerifier({ key: { kind: 'jwks', url, timeoutMs: 2000, cooldownMs, maxAgeMs }, ...claims });

describe("main's copy of admin's signing keys (JWKS)", () => {
  test('a flood of tokens with unknown kids fetches the JWKS at most once per cooldown', async () => {
    const [admin, attacker] = [await key(), await key()];
    served = [admin.jwk];
    failing = false;
    const verifier = verifierFor(500);
    assert.equal(await status(verifier, await tokenOf(admin)), 200);
    const start = { fetches, at: Date.now(), counted: credentialEvents.jwksFetches('ok') };
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      if ((await status(verifier, await tokenOf(attacker, randomBytes(8).toString('hex')))) === 401) refused++;
    }
    const elapsed = Date.now() - start.at;
    assert.equal(refused, 300);
    const extra = fetches - start.fetches;
    assert.ok(extra <= Math.floor(elapsed / 500) + 1, `${extra} fetches in ${elapsed} ms with a 500 ms cooldown`);
    assert.equal(credentialEvents.jwksFetches('ok') - start.counted, extra, 'every fetch counted');
  });

  test("admin's new key is fetched on its first token once the cooldown has passed, and the old key keeps verifying", async () => {
    const [old, next] = [await key(), await key()];
    served = [old.jwk];
    failing = false;
    const verifier = verifierFor(300);
    const oldToken = await tokenOf(old);
    assert.equal(await status(verifier, oldToken), 200);
    served = [next.jwk, old.jwk];
    const changes = credentialEvents.changesOf('jwks');
    const deadline = Date.now() + 10_000;
    while ((await status(verifier, await tokenOf(next))) !== 200) {
      assert.ok(Date.now() < deadline, 'the new key was never fetched');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(credentialEvents.changesOf('jwks'), changes + 1, 'the new key set was counted as a change');
    assert.equal(await status(verifier, await tokenOf(old)), 200);
  });

  test('when the JWKS fails, the keys in hand stay in use past their age; with none in hand it is 503, and failed fetches stay bounded', async () => {
    const admin = await key();
    served = [admin.jwk];
    failing = false;
    const verifier = verifierFor(300, 100);
    assert.equal(await status(verifier, await tokenOf(admin)), 200);
    failing = true;
    try {
      const errors = credentialEvents.jwksFetches('error');
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(await status(verifier, await tokenOf(admin)), 200, 'old keys verify while the JWKS is down');
      assert.ok(credentialEvents.jwksFetches('error') > errors, 'the failed refresh was counted');

      const fresh = verifierFor(300);
      const start = { fetches, at: Date.now() };
      for (let i = 0; i < 100; i++) assert.equal(await status(fresh, await tokenOf(admin)), 503);
      const elapsed = Date.now() - start.at;
      assert.ok(fetches - start.fetches <= Math.floor(elapsed / 300) + 1, `${fetches - start.fetches} failed fetches in ${elapsed} ms`);
    } finally {
      failing = false;
    }
  });

  test('behind a breaker: a JWKS that keeps failing opens it, fetches then fail at once, and it closes when admin is back', async () => {
    const admin = await key();
    served = [admin.jwk];
    failing = true;
    const metrics = new ServiceMetrics('main', { defaultMetrics: false });
    const breaker = new DependencyBreaker('admin_jwks', { timeoutMs: 2000, failures: 2, halfOpenAfterMs: 300 }, metrics);
    const verifier = new TokenVerifier({
      key: { kind: 'jwks', url, timeoutMs: 2000, cooldownMs: 50, maxAgeMs: 60_000, breaker },
      ...claims,
    });
    try {
      // The cooldown still spaces the attempts; each failed attempt counts towards opening.
      await eventually(async () => (await status(verifier, await tokenOf(admin))) === 503 && breaker.state === 'open', {
        what: 'the breaker open',
      });
      const before = fetches;
      assert.equal(await status(verifier, await tokenOf(admin)), 503, 'no keys: 503, at once');
      assert.equal(fetches, before, 'the open breaker did not call the JWKS');
      failing = false;
      await eventually(async () => (await status(verifier, await tokenOf(admin))) === 200, {
        what: 'keys fetched through the half-open breaker',
      });
      assert.equal(breaker.state, 'closed');
    } finally {
      failing = false;
    }
  });
});
