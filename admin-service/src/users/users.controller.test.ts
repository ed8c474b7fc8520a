import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { startAdmin, type AdminUnderTest } from '../test-support';

let admin: AdminUnderTest;
before(async () => {
  admin = await startAdmin();
});
after(async () => {
  await admin?.stop();
});

describe('GET /api/user', () => {
  test('when there are no users, it answers 404; once there are, 200 with one of their ids as a number', async () => {
    const none = await admin.api.get('/api/user').expect(404);
    assert.equal(none.body.code, 'not_found');

    await admin.db.query(
      "INSERT INTO users (email, name) VALUES ('a@example.test', 'A'), ('b@example.test', 'B'), ('c@example.test', 'C')",
    );
    await admin.db.query("DELETE FROM users WHERE email = 'b@example.test'");
    const ids = (await admin.db.query('SELECT id FROM users')).map((row: { id: number }) => Number(row.id));

    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const res = await admin.api.get('/api/user').expect(200);
      assert.equal(typeof res.body.id, 'number');
      assert.ok(ids.includes(res.body.id), `${res.body.id} is an existing user`);
      seen.add(res.body.id);
    }
    assert.equal(seen.size, 2, 'both users come up');
  });
});

describe('GET /api/users', () => {
  test('lists users in id order, a page at a time, with a Link to the next page', async () => {
    await admin.db.query(
      "INSERT INTO users (email, name) VALUES ('list-1@example.test', 'L1'), ('list-2@example.test', 'L2'), ('list-3@example.test', 'L3')",
    );
    const all: { id: number; email: string }[] = [];
    let next: string | undefined = '/api/users?limit=2';
    while (next) {
      const res: Awaited<ReturnType<typeof admin.api.get>> = await admin.api.get(next).expect(200);
      assert.ok(res.body.length <= 2);
      all.push(...res.body);
      next = /<([^>]+)>; rel="next"/.exec(res.headers.link ?? '')?.[1];
    }
    const listed = all.filter((u) => u.email.startsWith('list-'));
    assert.deepEqual(
      listed.map((u) => u.email),
      ['list-1@example.test', 'list-2@example.test', 'list-3@example.test'],
    );
    assert.deepEqual(
      Object.keys(listed[0]!).sort(),
      ['disabled', 'email', 'id', 'name', 'role'],
      'no other column (no password hash) leaves the service',
    );
    assert.deepEqual(
      all.map((u) => u.id),
      [...all.map((u) => u.id)].sort((a, b) => a - b),
    );
  });

  test('answers 400 naming the bad paging parameter', async () => {
    const res = await admin.api.get('/api/users?limit=zero').expect(400);
    assert.equal(res.body.details[0].field, 'limit');
  });

  test('answers 401 without a token and 403 to a customer', async () => {
    const anonymous = await request(admin.http).get('/api/users').expect(401);
    assert.equal(anonymous.body.code, 'unauthenticated');
    await request(admin.http)
      .get('/api/users')
      .set('authorization', `Bearer ${await admin.tokenFor('7', 'customer')}`)
      .expect(403);
  });
});
