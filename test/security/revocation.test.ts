import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createAdminApp } from '@catalogue/admin-service/dist/app.module';
import { hashPassword } from '@catalogue/admin-service/dist/auth/passwords';
import type { SigningKeys } from '@catalogue/admin-service/dist/auth/signing-keys';
import { ADMIN_CONFIG, SIGNING_KEY } from '@catalogue/admin-service/dist/common/tokens';
import type { AdminConfig } from '@catalogue/admin-service/dist/config';
import { createDataSource, createLogger, resolveDatabaseCredentials } from '@catalogue/shared';
import { eventually } from '@catalogue/shared/testing';
import { startSystem, type SystemUnderTest } from '../support/system';

/**
 * Disabling a user or changing their role must cut their access without waiting for their token
 * to expire. Bounds (decision record 0019): on the admin replica that made the change, at once;
 * on any other admin replica, within USER_STATE_CACHE_MS (5 s; 1 s for the second replica here);
 * on main, within REVOCATION_REFRESH_MS (1 s) of the user_changed event being applied, which
 * follows the change through the outbox within the usual event lag.
 */
const OTHER_REPLICA_CACHE_MS = 1000;
/** Generous for a loaded 2-core machine: the event path is normally well under a second. */
const EVENT_PATH_TIMEOUT_MS = 30_000;

let system: SystemUnderTest;
/** A second admin API on the same database and key, as another replica would be. */
let otherReplica: NestExpressApplication;

before(async () => {
  system = await startSystem();
  // User 1 is the staff member behind system.admin.api (its token's subject), who makes the changes.
  await system.admin.dataSource.query("INSERT INTO users (id, email, name, role) VALUES (1, 'changer@example.test', 'Changer', 'staff')");
  const config = system.admin.app.get<AdminConfig>(ADMIN_CONFIG);
  const key = system.admin.app.get<SigningKeys>(SIGNING_KEY).ring().current.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Its own pool on the same database, as another replica has; the app closes it on shutdown.
  const dataSource = createDataSource({ credentials: await resolveDatabaseCredentials(config, config.DB_NAME), poolSize: 2 });
  await dataSource.initialize();
  otherReplica = await createAdminApp(
    { ...config, RUN_CONSUMER: false, RUN_RELAY: false, USER_STATE_CACHE_MS: OTHER_REPLICA_CACHE_MS, JWT_PRIVATE_KEY: key },
    { dataSource, logger: createLogger({ service: 'replica-2', level: 'silent' }) },
  );
  await otherReplica.init();
});
after(async () => {
  await otherReplica?.close();
  await system?.stop();
});

let counter = 0;
async function aUser(role: 'staff' | 'customer'): Promise<{ id: number; email: string; password: string }> {
  const email = `revocation-${++counter}-${Date.now().toString(36)}@example.test`;
  const password = `correct horse ${counter}`;
  await system.admin.dataSource.query('INSERT INTO users (email, name, password_hash, role) VALUES (?, ?, ?, ?)', [
    email,
    'Revocable',
    await hashPassword(password),
    role,
  ]);
  const [row] = (await system.admin.dataSource.query('SELECT id FROM users WHERE email = ?', [email])) as { id: number }[];
  return { id: Number(row!.id), email, password };
}

async function signIn(user: { email: string; password: string }): Promise<request.Response> {
  return request(system.admin.http).post('/api/auth/login').send({ email: user.email, password: user.password });
}

const bearer = (token: string) => `Bearer ${token}`;
const onAdmin = (token: string) => request(system.admin.http).get('/api/users?limit=1').set('authorization', bearer(token));
const onOtherReplica = (token: string) =>
  request(otherReplica.getHttpServer()).get('/api/users?limit=1').set('authorization', bearer(token));
const onMain = (token: string) => request(system.main.app).get('/api/operations').set('authorization', bearer(token));

async function productInBoth(): Promise<number> {
  const res = await system.admin.api
    .post('/api/products')
    .send({ title: `Revocation ${++counter}`, image: 'https://img.example/r.png' })
    .expect(201);
  await eventually(async () => (await request(system.main.app).get(`/api/products/${res.body.id}`)).status === 200, {
    what: 'the product in main',
  });
  return res.body.id as number;
}

describe('revocation: disabling a user or changing their role cuts their existing tokens', () => {
  test('a disabled staff member: refused at once by this admin replica, within its cache time by another, and by main once the event lands', async () => {
    const staff = await aUser('staff');
    const signedIn = await signIn(staff);
    assert.equal(signedIn.status, 200);
    assert.equal(signedIn.body.expiresIn, 900, 'staff tokens live JWT_STAFF_TTL_SECONDS (15 minutes by default)');
    const token = signedIn.body.token as string;
    await onAdmin(token).expect(200);
    await onOtherReplica(token).expect(200); // the other replica now holds the user's state in memory
    await onMain(token).expect(200);

    const changed = await system.admin.api.patch(`/api/users/${staff.id}`).send({ disabled: true }).expect(200);
    const changedAt = Date.now();
    assert.deepEqual(changed.body, { id: staff.id, email: staff.email, name: 'Revocable', role: 'staff', disabled: true });

    assert.equal((await onAdmin(token).expect(401)).body.code, 'token_revoked');
    await eventually(async () => (await onMain(token)).status === 401, {
      timeoutMs: EVENT_PATH_TIMEOUT_MS,
      what: "main refusing the disabled user's token",
    });
    assert.equal((await onMain(token)).body.code, 'token_revoked');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, changedAt + OTHER_REPLICA_CACHE_MS + 50 - Date.now())));
    assert.equal(
      (await onOtherReplica(token).expect(401)).body.code,
      'token_revoked',
      'after USER_STATE_CACHE_MS the other replica refuses too',
    );

    const again = await signIn(staff);
    assert.equal(again.status, 403);
    assert.equal(again.body.code, 'account_disabled');
  });

  test('a disabled customer can like no more on main, and a re-enabled one signs in and likes again', async () => {
    const customer = await aUser('customer');
    const signedIn = await signIn(customer);
    assert.equal(signedIn.body.expiresIn, 3600, 'customers keep JWT_TTL_SECONDS');
    const token = signedIn.body.token as string;
    const [first, second, third] = [await productInBoth(), await productInBoth(), await productInBoth()];
    await request(system.main.app).post(`/api/products/${first}/like`).set('authorization', bearer(token)).expect(200);

    await system.admin.api.patch(`/api/users/${customer.id}`).send({ disabled: true }).expect(200);
    await eventually(
      async () => (await request(system.main.app).get('/api/me/likes?products=1').set('authorization', bearer(token))).status === 401,
      {
        timeoutMs: EVENT_PATH_TIMEOUT_MS,
        what: "main refusing the disabled customer's token",
      },
    );
    assert.equal(
      (await request(system.main.app).post(`/api/products/${second}/like`).set('authorization', bearer(token)).expect(401)).body.code,
      'token_revoked',
    );
    const [rows] = (await system.main.dataSource.query('SELECT COUNT(*) AS n FROM likes WHERE product_id = ?', [second])) as {
      n: number;
    }[];
    assert.equal(Number(rows!.n), 0, 'the refused like was not recorded');

    await system.admin.api.patch(`/api/users/${customer.id}`).send({ disabled: false }).expect(200);
    const back = await signIn(customer);
    assert.equal(back.status, 200);
    await eventually(
      async () =>
        (await request(system.main.app).post(`/api/products/${third}/like`).set('authorization', bearer(back.body.token))).status === 200,
      {
        timeoutMs: EVENT_PATH_TIMEOUT_MS,
        what: "main accepting the re-enabled customer's new token",
      },
    );
    assert.equal(
      (await request(system.main.app).post(`/api/products/${third}/like`).set('authorization', bearer(token))).body.code,
      'token_revoked',
      'the old token stays revoked',
    );
  });

  test('a role change takes effect: the demoted staff token stops on both services, and a new sign-in carries the new role', async () => {
    const staff = await aUser('staff');
    const token = (await signIn(staff)).body.token as string;
    await onAdmin(token).expect(200);
    await onMain(token).expect(200);

    const demoted = await system.admin.api.patch(`/api/users/${staff.id}`).send({ role: 'customer' }).expect(200);
    assert.equal(demoted.body.role, 'customer');
    assert.equal((await onAdmin(token).expect(401)).body.code, 'token_revoked');
    await eventually(async () => (await onMain(token)).status === 401, {
      timeoutMs: EVENT_PATH_TIMEOUT_MS,
      what: "main refusing the demoted staff member's token",
    });

    const asCustomer = await signIn(staff);
    assert.equal(asCustomer.body.user.role, 'customer');
    assert.equal(asCustomer.body.expiresIn, 3600);
    await onAdmin(asCustomer.body.token).expect(403);
    const product = await productInBoth();
    await request(system.main.app).post(`/api/products/${product}/like`).set('authorization', bearer(asCustomer.body.token)).expect(200);
    const [row] = (await system.main.dataSource.query('SELECT token_version, disabled FROM user_revocations WHERE user_id = ?', [
      String(staff.id),
    ])) as { token_version: number; disabled: number }[];
    assert.deepEqual(
      { version: Number(row!.token_version), disabled: Number(row!.disabled) },
      { version: 1, disabled: 0 },
      'main learnt it from the user_changed event',
    );
  });
});

describe('PATCH /api/users/:id', () => {
  test('validates its input, changes nothing on a bad request, and is for staff only', async () => {
    const user = await aUser('customer');
    const path = `/api/users/${user.id}`;
    for (const body of [{}, { role: 'owner' }, { disabled: 'yes' }, { disabled: true, email: 'x@example.test' }]) {
      const res = await system.admin.api.patch(path).send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.code, 'validation_failed');
    }
    assert.equal((await system.admin.api.patch('/api/users/not-a-number').send({ disabled: true })).status, 400);
    assert.equal((await system.admin.api.patch('/api/users/2147483000').send({ disabled: true })).body.code, 'not_found');
    assert.equal(
      (await system.admin.api.patch('/api/users/1').send({ disabled: true })).body.code,
      'own_account',
      "the caller's own account (subject 1)",
    );
    await request(system.admin.http).patch(path).send({ disabled: true }).expect(401);
    await request(system.admin.http)
      .patch(path)
      .set('authorization', bearer(await system.tokenFor(String(user.id), 'customer')))
      .send({ disabled: true })
      .expect(403);
    const [row] = (await system.admin.dataSource.query('SELECT disabled, token_version FROM users WHERE id = ?', [user.id])) as {
      disabled: number;
      token_version: number;
    }[];
    assert.deepEqual([Number(row!.disabled), Number(row!.token_version)], [0, 0], 'nothing changed');

    // The same state again is no change: no new version, tokens keep working.
    const token = (await signIn(user)).body.token as string;
    await system.admin.api.patch(path).send({ role: 'customer', disabled: false }).expect(200);
    await request(system.main.app).get('/api/me/likes?products=1').set('authorization', bearer(token)).expect(200);
  });
});
