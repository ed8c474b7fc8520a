import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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

    await admin.db.query("INSERT INTO users (email, name) VALUES ('a@example.test', 'A'), ('b@example.test', 'B'), ('c@example.test', 'C')");
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
