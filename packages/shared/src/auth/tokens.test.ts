import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { AppError } from '../http/errors';
import { TokenVerifier } from './tokens';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const secret = 'a-shared-secret-of-at-least-32-characters';
const claims = { issuer: 'catalogue-admin', audience: 'catalogue' };
const token = (alg: 'RS256' | 'HS256', role: string = 'staff') =>
  new SignJWT({ role })
    .setProtectedHeader({ alg })
    .setSubject('3')
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setExpirationTime('5m')
    .sign(alg === 'RS256' ? privateKey : new TextEncoder().encode(secret));

const status = async (verifier: TokenVerifier, authorization: string | undefined) =>
  verifier.verify(authorization).then(
    () => 200,
    (err: unknown) => (err instanceof AppError ? err.status : 0),
  );

describe('TokenVerifier', () => {
  test('with a public key it accepts RS256 tokens only, and returns subject and role', async () => {
    const verifier = new TokenVerifier({ key: { kind: 'public-key', pem: publicPem }, ...claims });
    await verifier.ready();
    assert.deepEqual(await verifier.verify(`Bearer ${await token('RS256')}`), { subject: '3', role: 'staff', tokenVersion: 0 });
    assert.equal(await status(verifier, `Bearer ${await token('HS256')}`), 401);
    assert.equal(await status(verifier, `Bearer ${await token('RS256', 'root')}`), 401, 'an unknown role is refused');
  });

  test("the token's ver claim is the identity's token version (0 when absent); a malformed one is refused", async () => {
    const verifier = new TokenVerifier({ key: { kind: 'public-key', pem: publicPem }, ...claims });
    const withVer = (ver: unknown) =>
      new SignJWT({ role: 'customer', ver })
        .setProtectedHeader({ alg: 'RS256' })
        .setSubject('3')
        .setIssuer(claims.issuer)
        .setAudience(claims.audience)
        .setExpirationTime('5m')
        .sign(privateKey);
    assert.deepEqual(await verifier.verify(`Bearer ${await withVer(4)}`), { subject: '3', role: 'customer', tokenVersion: 4 });
    assert.equal(await status(verifier, `Bearer ${await withVer('4')}`), 401);
    assert.equal(await status(verifier, `Bearer ${await withVer(-1)}`), 401);
  });

  test('with a secret it accepts HS256 tokens only', async () => {
    const verifier = new TokenVerifier({ key: { kind: 'secret', secret }, ...claims });
    assert.equal(await status(verifier, `Bearer ${await token('HS256')}`), 200);
    assert.equal(await status(verifier, `Bearer ${await token('RS256')}`), 401);
  });

  test('a missing or malformed Authorization header is 401 before any cryptography', async () => {
    const verifier = new TokenVerifier({ key: { kind: 'secret', secret }, ...claims });
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer a.b',
      `bearer ${await token('HS256')}`,
      `Bearer ${await token('HS256')} extra`,
      `Token ${await token('HS256')}`,
    ]) {
      assert.equal(await status(verifier, header), 401, String(header).slice(0, 20));
    }
  });

  test('a malformed public key stops start-up (ready rejects) and verification answers 503, not 401', async () => {
    const verifier = new TokenVerifier({
      key: { kind: 'public-key', pem: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' },
      ...claims,
    });
    await assert.rejects(verifier.ready());
    assert.equal(await status(verifier, `Bearer ${await token('RS256')}`), 503);
  });
});
