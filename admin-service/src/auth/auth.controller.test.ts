import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT, UnsecuredJWT, type JSONWebKeySet } from 'jose';
import request from 'supertest';
import { aProduct, startAdmin, type AdminUnderTest } from '../test-support';
import { hashPassword } from './passwords';

let admin: AdminUnderTest;
/** A second app with small limits, public reads and the development random-user route. */
let lenient: AdminUnderTest;

before(async () => {
  [admin, lenient] = await Promise.all([
    startAdmin({}, { waitForConsumer: false }),
    startAdmin(
      {
        LOGIN_FAILURES_PER_EMAIL: '3',
        LOGIN_FAILURES_PER_ADDRESS: '6',
        WRITES_PER_MINUTE: '4',
        ADMIN_PUBLIC_READS: 'true',
        DEV_RANDOM_USER: 'true',
      },
      { waitForConsumer: false },
    ),
  ]);
});
after(async () => {
  await Promise.all([admin?.stop(), lenient?.stop()]);
});

let counter = 0;
async function aUser(
  app: AdminUnderTest,
  role: 'staff' | 'customer',
  password = 'correct horse battery staple',
): Promise<{ id: number; email: string; password: string }> {
  const email = `user${++counter}.${Date.now().toString(36)}@example.test`;
  await app.db.query('INSERT INTO users (email, name, password_hash, role) VALUES (?, ?, ?, ?)', [
    email,
    'Test User',
    await hashPassword(password),
    role,
  ]);
  const rows: { id: number }[] = await app.db.query('SELECT id FROM users WHERE email = ?', [email]);
  return { id: Number(rows[0]!.id), email, password };
}

describe('POST /api/auth/login', () => {
  test('with the right password, it answers 200 with an RS256 token that admin JWKS verifies, carrying sub, role, iss, aud, exp and nbf', async () => {
    const user = await aUser(admin, 'customer');
    const res = await request(admin.http)
      .post('/api/auth/login')
      .send({ email: user.email.toUpperCase(), password: user.password })
      .expect(200);
    assert.deepEqual(Object.keys(res.body).sort(), ['expiresIn', 'token', 'user']);
    assert.deepEqual(res.body.user, { id: user.id, email: user.email, role: 'customer' });
    assert.equal(res.body.expiresIn, 3600);

    const jwks = (await request(admin.http).get('/.well-known/jwks.json').expect(200)).body as JSONWebKeySet;
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.alg, 'RS256');
    assert.equal('d' in jwks.keys[0]!, false, 'the private exponent is never published');
    const { payload, protectedHeader } = await jwtVerify(res.body.token, createLocalJWKSet(jwks), {
      algorithms: ['RS256'],
      issuer: 'catalogue-admin',
      audience: 'catalogue',
    });
    assert.equal(protectedHeader.kid, jwks.keys[0]!.kid);
    assert.equal(payload.sub, String(user.id));
    assert.equal(payload.role, 'customer');
    assert.ok(typeof payload.nbf === 'number' && typeof payload.exp === 'number' && payload.exp - payload.nbf === 3600);
  });

  test('a wrong password, an unknown email and a user without a password all get the same 401', async () => {
    const user = await aUser(admin, 'staff');
    await admin.db.query("INSERT INTO users (email, name) VALUES ('nopassword@example.test', 'No Password')");
    const answers = await Promise.all([
      request(admin.http).post('/api/auth/login').send({ email: user.email, password: 'wrong password' }),
      request(admin.http).post('/api/auth/login').send({ email: 'nobody@example.test', password: user.password }),
      request(admin.http)
        .post('/api/auth/login')
        .send({ email: 'nopassword@example.test', password: '' + user.password }),
    ]);
    for (const res of answers) {
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { code: 'invalid_credentials', message: 'the email or password is not correct' });
    }
  });

  test('a malformed body answers 400 naming the field, and a non-JSON one 415; neither issues a token', async () => {
    const missing = await request(admin.http).post('/api/auth/login').send({ email: 'a@example.test' }).expect(400);
    assert.equal(missing.body.details[0].field, 'password');
    const extra = await request(admin.http)
      .post('/api/auth/login')
      .send({ email: 'a@example.test', password: 'x', role: 'staff' })
      .expect(400);
    assert.match(extra.body.details[0].field, /role/);
    await request(admin.http)
      .post('/api/auth/login')
      .send({ email: ['a@example.test'], password: 'x' })
      .expect(400);
    await request(admin.http).post('/api/auth/login').set('content-type', 'text/plain').send('email=a&password=b').expect(415);
  });

  test('after too many failures for one email from one address, it answers that address 429 with RateLimit headers, even with the right password', async () => {
    const user = await aUser(lenient, 'customer');
    for (let i = 0; i < 3; i++)
      await request(lenient.http)
        .post('/api/auth/login')
        .send({ email: user.email, password: `guess ${i}` })
        .expect(401);
    const limited = await request(lenient.http).post('/api/auth/login').send({ email: user.email, password: user.password }).expect(429);
    assert.equal(limited.body.code, 'rate_limited');
    assert.match(String(limited.headers['ratelimit']), /"login-email-address"; r=0; t=\d+/);
    assert.match(String(limited.headers['ratelimit-policy']), /"login-email-address"; q=3; w=900/);
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });

  test('successful sign-ins do not count toward the limits', async () => {
    const user = await aUser(lenient, 'customer');
    for (let i = 0; i < 8; i++)
      await request(lenient.http).post('/api/auth/login').send({ email: user.email, password: user.password }).expect(200);
  });
});

describe('staff-only admin API', () => {
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  test('a write without a token answers 401, with a customer token 403, and creates nothing', async () => {
    const body = aProduct();
    const anonymous = await request(admin.http).post('/api/products').send(body).expect(401);
    assert.equal(anonymous.body.code, 'unauthenticated');
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer');
    const customer = await admin.tokenFor('42', 'customer');
    const forbidden = await request(admin.http).post('/api/products').set('authorization', `Bearer ${customer}`).send(body).expect(403);
    assert.equal(forbidden.body.code, 'forbidden');
    await request(admin.http).put('/api/products/1').send(body).expect(401);
    await request(admin.http).delete('/api/products/1').expect(401);
    const rows: unknown[] = await admin.db.query('SELECT id FROM products WHERE title = ?', [body.title]);
    assert.equal(rows.length, 0);
  });

  test('a token signed by another key, expired, unsigned (alg none) or HS256 with the public key as secret answers 401', async () => {
    const jwks = (await request(admin.http).get('/.well-known/jwks.json')).body as JSONWebKeySet;
    const claims = { role: 'staff' };
    const base = () => new SignJWT(claims).setSubject('1').setIssuer('catalogue-admin').setAudience('catalogue').setIssuedAt();
    const forged = [
      await base().setProtectedHeader({ alg: 'RS256', kid: jwks.keys[0]!.kid! }).setExpirationTime('5m').sign(otherKey),
      await admin.tokenFor('1', 'staff', -120).catch(() => ''),
      new UnsecuredJWT(claims).setSubject('1').setIssuer('catalogue-admin').setAudience('catalogue').setExpirationTime('5m').encode(),
      await base()
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0]))),
      await base().setProtectedHeader({ alg: 'RS256' }).setIssuer('someone-else').setExpirationTime('5m').sign(otherKey),
    ];
    for (const token of forged) {
      const res = await request(admin.http).get('/api/products').set('authorization', `Bearer ${token}`);
      assert.equal(res.status, 401, `token ${token.slice(0, 20)}... is refused`);
      assert.equal(res.body.code, 'unauthenticated');
    }
  });

  test('a token that is not valid yet (nbf in the future) answers 401', async () => {
    const soon = await new SignJWT({ role: 'staff' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('1')
      .setIssuer('catalogue-admin')
      .setAudience('catalogue')
      .setNotBefore('10m')
      .setExpirationTime('20m')
      .sign(otherKey);
    await request(admin.http).get('/api/products').set('authorization', `Bearer ${soon}`).expect(401);
  });

  test('reads need staff unless ADMIN_PUBLIC_READS is on; writes need staff either way', async () => {
    await request(admin.http).get('/api/products').expect(401);
    await request(admin.http).get('/api/products/1').expect(401);
    await request(lenient.http).get('/api/products').expect(200);
    await request(lenient.http).post('/api/products').send(aProduct()).expect(401);
  });

  test('GET /api/user (random user) needs staff, unless DEV_RANDOM_USER is on', async () => {
    await request(admin.http).get('/api/user').expect(401);
    await lenient.db.query("INSERT INTO users (email, name) VALUES ('random@example.test', 'Random')");
    await request(lenient.http).get('/api/user').expect(200);
  });

  test('too many writes from one address answer 429 with RateLimit headers; reads are not counted', async () => {
    const staff = request.agent(lenient.http).set('authorization', `Bearer ${await lenient.tokenFor('1', 'staff')}`);
    const remaining = (res: request.Response) => Number(/"writes"; r=(\d+)/.exec(String(res.headers['ratelimit']))?.[1]);
    const first = await staff.post('/api/products').send(aProduct()).expect(201);
    for (let i = 0; i < 3; i++) await staff.get('/api/products').expect(200);
    const second = await staff.post('/api/products').send(aProduct()).expect(201);
    assert.equal(remaining(second), remaining(first) - 1, 'reads in between did not count');
    for (let left = remaining(second); left > 0; left--) await staff.post('/api/products').send(aProduct()).expect(201);
    const limited = await staff.delete('/api/products/1').expect(429);
    assert.equal(limited.body.code, 'rate_limited');
    assert.match(String(limited.headers['ratelimit-policy']), /"writes"; q=4; w=60/);
  });
});
