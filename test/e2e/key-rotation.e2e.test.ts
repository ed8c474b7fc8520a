import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader, SignJWT } from 'jose';
import request from 'supertest';
import { fromPem } from '@catalogue/admin-service/dist/auth/signing-key';
import { fixedKeys } from '@catalogue/admin-service/dist/auth/signing-keys';
import { TokensService } from '@catalogue/admin-service/dist/auth/tokens.service';
import { loadAdminConfig } from '@catalogue/admin-service/dist/config';
import { eventually, sampleValue, startLocalSecretsManager, type LocalSecretsManager } from '@catalogue/shared/testing';
import { startSystem, type SystemUnderTest } from '../support/system';

/*
 * Admin's signing key rotates in Secrets Manager (a local server speaking its protocol) while both
 * services run: admin re-reads the secret every second, main fetches admin's JWKS through a
 * counting proxy, with a 2 s cooldown for unknown key ids.
 */
const SECRET_ID = 'catalogue/jwt-signing-key';
const COOLDOWN_MS = 2000;
const pem = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const [keyA, keyB] = [pem(), pem()];

let sm: LocalSecretsManager;
let system: SystemUnderTest;
let proxy: http.Server;
let adminJwks = '';
let jwksFetches = 0;

before(async () => {
  sm = await startLocalSecretsManager();
  process.env.AWS_ACCESS_KEY_ID = sm.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = sm.env.AWS_SECRET_ACCESS_KEY;
  sm.put(SECRET_ID, keyA);
  // Main's JWKS URL, counting every fetch on its way to admin.
  proxy = http.createServer((_req, res) => {
    jwksFetches++;
    fetch(adminJwks).then(
      async (answer) => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(await answer.text());
      },
      () => {
        res.writeHead(502);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  system = await startSystem({
    env: {
      admin: {
        JWT_PRIVATE_KEY_SECRET_ID: SECRET_ID,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
        AWS_REGION: 'eu-west-1',
        SECRET_REFRESH_SECONDS: '1',
        SECRET_MIN_INTERVAL_SECONDS: '1',
      },
      main: {
        JWT_JWKS_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/.well-known/jwks.json`,
        JWT_JWKS_COOLDOWN_SECONDS: String(COOLDOWN_MS / 1000),
      },
    },
  });
  adminJwks = `${await system.admin.app.getUrl()}/.well-known/jwks.json`;
});
after(async () => {
  await system?.stop();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await sm.close();
});

/** A token signed with this key as admin would have signed it (iat now, or in the past for `expiredAgoSeconds`). */
async function signedWith(privatePem: string, subject: string, expiredAgoSeconds?: number): Promise<string> {
  const config = loadAdminConfig({ DB_USER: 'unused', DB_PASSWORD: '', NODE_ENV: 'test' });
  const key = await fromPem(privatePem);
  if (expiredAgoSeconds === undefined) return (await new TokensService(fixedKeys(key), config).issue(subject, 'customer')).token;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'customer' })
    .setProtectedHeader({ alg: 'RS256', kid: key.publicJwk.kid, typ: 'JWT' })
    .setSubject(subject)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - expiredAgoSeconds)
    .sign(key.privateKey);
}

const onMain = (token: string) => request(system.main.app).get('/api/me/likes?products=1').set('authorization', `Bearer ${token}`);
const publishedKids = async () =>
  ((await request(system.admin.http).get('/.well-known/jwks.json').expect(200)).body as { keys: { kid: string }[] }).keys.map((k) => k.kid);

describe("admin's signing key rotates while main verifies", () => {
  test('tokens signed before verify until they expire, new tokens carry the new kid, and an unknown-kid flood fetches the JWKS at most once per cooldown', async () => {
    const [kidA, kidB] = [(await fromPem(keyA)).publicJwk.kid, (await fromPem(keyB)).publicJwk.kid];
    const issuedBefore = await system.tokenFor('51', 'customer');
    assert.equal(decodeProtectedHeader(issuedBefore).kid, kidA);
    // Signed with the old key before the rotation, shown to main only after it.
    const unusedBefore = await system.tokenFor('52', 'customer');
    await onMain(issuedBefore).expect(200);

    // Rotate: the next key is published first (AWSPENDING), then made current (the old one becomes AWSPREVIOUS).
    sm.put(SECRET_ID, keyB, 'AWSPENDING');
    await eventually(async () => (await publishedKids()).includes(kidB), { what: 'admin to publish the next key' });
    sm.promotePending(SECRET_ID);
    await eventually(async () => decodeProtectedHeader(await system.tokenFor('53', 'customer')).kid === kidB, {
      what: 'admin to sign with the new key',
    });
    assert.deepEqual(await publishedKids(), [kidB, kidA], 'current first, previous still published');

    // Main meets the new kid: it fetches the JWKS again (within one cooldown) and accepts it.
    const issuedAfter = await system.tokenFor('54', 'customer');
    assert.equal(decodeProtectedHeader(issuedAfter).kid, kidB);
    await eventually(async () => (await onMain(issuedAfter)).status === 200, {
      timeoutMs: COOLDOWN_MS * 5,
      what: 'main to accept the new key',
    });
    // Tokens of the old key: still valid on main (and on admin) until they expire; an expired one is refused.
    await onMain(unusedBefore).expect(200);
    await onMain(await signedWith(keyA, '55')).expect(200);
    await request(system.admin.http)
      .get('/api/products')
      .set('authorization', `Bearer ${await system.tokenFor('1', 'staff')}`)
      .expect(200);
    const expired = await onMain(await signedWith(keyA, '56', 60)).expect(401);
    assert.equal(expired.body.message, 'the token has expired');

    // A flood of tokens whose kids nobody published.
    const stranger = pem();
    const strangerKey = await fromPem(stranger);
    const flood = async (kid: string) =>
      onMain(
        await new SignJWT({ role: 'customer' })
          .setProtectedHeader({ alg: 'RS256', kid })
          .setSubject('666')
          .setIssuer('catalogue-admin')
          .setAudience('catalogue')
          .setExpirationTime('5m')
          .sign(strangerKey.privateKey),
      );
    const start = { fetches: jwksFetches, at: Date.now() };
    let refused = 0;
    for (let round = 0; round < 30; round++) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => flood(randomBytes(12).toString('base64url'))));
      refused += answers.filter((res) => res.status === 401).length;
    }
    const elapsed = Date.now() - start.at;
    assert.equal(refused, 300, 'every garbage kid refused');
    const fetched = jwksFetches - start.fetches;
    assert.ok(
      fetched <= Math.floor(elapsed / COOLDOWN_MS) + 1,
      `${fetched} JWKS fetches for 300 unknown kids in ${elapsed} ms (cooldown ${COOLDOWN_MS} ms)`,
    );
    // Real tokens still pass during and after the flood.
    await onMain(await system.tokenFor('57', 'customer')).expect(200);

    const metrics = (await request(system.main.app).get('/metrics').expect(200)).text;
    assert.ok(sampleValue(metrics, 'catalogue_credential_changes_total', { credential: 'jwks' }) >= 1, 'main counted the new key set');
    assert.ok(
      sampleValue(metrics, 'catalogue_credential_changes_total', { credential: 'signing_key' }) >= 2,
      'admin counted the pending and the promoted key',
    );
    assert.equal(
      sampleValue(metrics, 'catalogue_jwks_fetches_total', { outcome: 'ok' }) +
        sampleValue(metrics, 'catalogue_jwks_fetches_total', { outcome: 'error' }),
      jwksFetches,
    );
  });
});
