import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { calculateJwkThumbprint, exportJWK, SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import { freshProductId, startMain, type MainUnderTest } from '../test-support';

/** Admin's key pair as its JWKS route would publish it, served by a small local server. */
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
let jwksServer: http.Server;
let kid: string;

let main: MainUnderTest;
let behindProxy: MainUnderTest;

before(async () => {
  const jwk = await exportJWK(publicKey);
  kid = await calculateJwkThumbprint(jwk);
  const body = JSON.stringify({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] });
  jwksServer = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  const keyEnv = { JWT_SECRET: undefined, JWT_JWKS_URL: jwksUrl, ADMIN_TIMEOUT_MS: '500' };
  [main, behindProxy] = await Promise.all([
    startMain({ ...keyEnv, LIKES_PER_MINUTE_PER_USER: '2' }),
    startMain({ ...keyEnv, TRUST_PROXY_HOPS: '1', LIKES_PER_MINUTE_PER_ADDRESS: '2' }),
  ]);
});
after(async () => {
  await Promise.all([main?.stop(), behindProxy?.stop()]);
  jwksServer?.close();
});

const claims = (overrides: { role?: string } = {}) => ({ role: overrides.role ?? 'customer' });
const rs256 = (subject: string) =>
  new SignJWT(claims())
    .setProtectedHeader({ alg: 'RS256', kid })
    .setSubject(subject)
    .setIssuer('catalogue-admin')
    .setAudience('catalogue')
    .setNotBefore('0s')
    .setExpirationTime('5m');

async function liveProduct(service: MainUnderTest): Promise<number> {
  const id = freshProductId();
  await service.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Lamp', 'https://img.example/lamp.png', 1)", [
    id,
  ]);
  return id;
}
const likers = async (service: MainUnderTest, productId: number) =>
  ((await service.dataSource.query('SELECT user_id FROM likes WHERE product_id = ?', [productId])) as { user_id: string }[]).map(
    (r) => r.user_id,
  );

describe('likes verified with admin RS256 keys (JWKS)', () => {
  test('a token signed by admin key is accepted and the like belongs to its subject', async () => {
    const productId = await liveProduct(main);
    const res = await request(main.app)
      .post(`/api/products/${productId}/like`)
      .set('authorization', `Bearer ${await rs256('77').sign(privateKey)}`)
      .expect(200);
    assert.equal(res.body.like.userId, '77');
  });

  test('the user comes only from the token: a user id in the body, query or a custom header is ignored', async () => {
    const productId = await liveProduct(main);
    await request(main.app)
      .post(`/api/products/${productId}/like?userId=mallory&user=mallory`)
      .set('authorization', `Bearer ${await rs256('real-user').sign(privateKey)}`)
      .set('x-user-id', 'mallory')
      .send({ userId: 'mallory', user_id: 'mallory' })
      .expect(200);
    assert.deepEqual(await likers(main, productId), ['real-user']);
    await request(main.app)
      .post(`/api/products/${productId}/like?userId=mallory`)
      .set('x-user-id', 'mallory')
      .send({ userId: 'mallory' })
      .expect(401);
    assert.deepEqual(await likers(main, productId), ['real-user']);
  });

  test('forged tokens answer 401 and record nothing: another key, alg none, HS256 keyed with the public key, wrong issuer or audience, no role, not yet valid', async () => {
    const productId = await liveProduct(main);
    const publicPem = publicKey.export({ format: 'pem', type: 'spki' });
    const forged = [
      await rs256('f1').sign(otherKey),
      new UnsecuredJWT(claims()).setSubject('f2').setIssuer('catalogue-admin').setAudience('catalogue').setExpirationTime('5m').encode(),
      await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', kid })
        .setSubject('f3')
        .setIssuer('catalogue-admin')
        .setAudience('catalogue')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(String(publicPem))),
      await rs256('f4').setIssuer('someone-else').sign(privateKey),
      await rs256('f5').setAudience('another-api').sign(privateKey),
      await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject('f6')
        .setIssuer('catalogue-admin')
        .setAudience('catalogue')
        .setExpirationTime('5m')
        .sign(privateKey),
      await rs256('f7').setNotBefore('10m').setExpirationTime('20m').sign(privateKey),
      await rs256('f8').setExpirationTime('-2m').sign(privateKey),
    ];
    for (const token of forged) {
      const res = await request(main.app).post(`/api/products/${productId}/like`).set('authorization', `Bearer ${token}`);
      assert.equal(res.status, 401, `refused: ${token.slice(0, 24)}`);
      assert.equal(res.body.code, 'unauthenticated');
    }
    assert.deepEqual(await likers(main, productId), []);
  });

  test('the per-user limit answers 429 with RateLimit headers; another user is unaffected', async () => {
    const token = `Bearer ${await rs256('busy-user').sign(privateKey)}`;
    const answers: number[] = [];
    for (let i = 0; i < 3; i++)
      answers.push(
        (
          await request(main.app)
            .post(`/api/products/${await liveProduct(main)}/like`)
            .set('authorization', token)
        ).status,
      );
    assert.deepEqual(answers, [200, 200, 429]);
    const limited = await request(main.app)
      .post(`/api/products/${await liveProduct(main)}/like`)
      .set('authorization', token)
      .expect(429);
    assert.equal(limited.body.code, 'rate_limited');
    assert.match(String(limited.headers['ratelimit-policy']), /"likes-user"; q=2; w=60/);
    await request(main.app)
      .post(`/api/products/${await liveProduct(main)}/like`)
      .set('authorization', `Bearer ${await rs256('calm-user').sign(privateKey)}`)
      .expect(200);
  });

  test('when the key server cannot be reached, a like answers 503 and records nothing', async () => {
    const fresh = await startMain({
      JWT_SECRET: undefined,
      JWT_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
      ADMIN_TIMEOUT_MS: '300',
    });
    try {
      const productId = await liveProduct(fresh);
      const res = await request(fresh.app)
        .post(`/api/products/${productId}/like`)
        .set('authorization', `Bearer ${await rs256('u').sign(privateKey)}`)
        .expect(503);
      assert.equal(res.body.code, 'dependency_unavailable');
      assert.deepEqual(await likers(fresh, productId), []);
    } finally {
      await fresh.stop();
    }
  });
});

describe('the per-address like limit behind one trusted proxy', () => {
  test('counts the client address the proxy reports, and a spoofed X-Forwarded-For hop further out changes nothing', async () => {
    const like = async (forwardedFor: string, user: string) =>
      (
        await request(behindProxy.app)
          .post(`/api/products/${await liveProduct(behindProxy)}/like`)
          .set('authorization', `Bearer ${await rs256(user).sign(privateKey)}`)
          .set('x-forwarded-for', forwardedFor)
      ).status;
    // The proxy appends the address it saw; anything the client wrote before it is not trusted.
    assert.deepEqual([await like('203.0.113.7', 'a1'), await like('203.0.113.7', 'a2'), await like('203.0.113.7', 'a3')], [200, 200, 429]);
    assert.equal(await like('1.1.1.1, 203.0.113.7', 'a4'), 429, 'a forged hop before the trusted one is ignored');
    assert.equal(await like('198.51.100.9', 'b1'), 200, 'another client has its own budget');
  });
});
