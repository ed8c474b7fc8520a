import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { createTestDatabase, TEST_DB, uniqueName, type TestDatabase } from '@catalogue/shared/testing';
import { migrateSchema } from './index';
import { dropRuntimeUser, ensureRuntimeUser } from './runtime-users';

let main: TestDatabase;
let admin: TestDatabase;
const users = { main: uniqueName('tm_'), admin: uniqueName('ta_') };
const passwords = { main: uniqueName('pw-'), admin: uniqueName('pw-') };
let asMain: mysql.Connection;

before(async () => {
  [main, admin] = await Promise.all([createTestDatabase('main'), createTestDatabase('admin')]);
  await Promise.all([migrateSchema('main', main.credentials), migrateSchema('admin', admin.credentials)]);
  const root = await mysql.createConnection({ ...TEST_DB });
  try {
    await ensureRuntimeUser(root, main.credentials.database, users.main, passwords.main);
    await ensureRuntimeUser(root, admin.credentials.database, users.admin, passwords.admin);
    // Running it again (as `npm run setup` does) changes nothing and does not fail.
    await ensureRuntimeUser(root, main.credentials.database, users.main, passwords.main);
  } finally {
    await root.end();
  }
  asMain = await mysql.createConnection({ host: TEST_DB.host, port: TEST_DB.port, user: users.main, password: passwords.main, database: main.credentials.database });
});
after(async () => {
  await asMain?.end();
  const root = await mysql.createConnection({ ...TEST_DB });
  try {
    await dropRuntimeUser(root, users.main);
    await dropRuntimeUser(root, users.admin);
  } finally {
    await root.end();
  }
  await Promise.all([main?.drop(), admin?.drop()]);
});

async function refused(sql: string): Promise<string> {
  try {
    await asMain.query(sql);
    return 'allowed';
  } catch (err) {
    return (err as { code?: string }).code ?? 'error';
  }
}

describe("a service's run-time database user", () => {
  test('reads and writes rows of its own schema', async () => {
    await asMain.query("INSERT INTO products (id, title, image, version) VALUES (1, 'Lamp', 'https://img.example/l.png', 1)");
    await asMain.query('UPDATE products SET likes = likes + 1 WHERE id = 1');
    const [rows] = await asMain.query('SELECT likes FROM products WHERE id = 1');
    assert.deepEqual(rows, [{ likes: 1 }]);
    await asMain.query('DELETE FROM products WHERE id = 1');
  });

  test("cannot read or write the other service's schema", async () => {
    const other = admin.credentials.database;
    assert.match(await refused(`SELECT * FROM \`${other}\`.users`), /ACCESS_DENIED/);
    assert.match(await refused(`INSERT INTO \`${other}\`.products (title, image) VALUES ('x', 'y')`), /ACCESS_DENIED/);
    assert.match(await refused(`USE \`${other}\``), /ACCESS_DENIED/);
  });

  test('cannot change the schema, grant, or create databases (migrations run as a stronger user)', async () => {
    for (const sql of [
      'CREATE TABLE intruder (id INT)',
      'DROP TABLE products',
      'ALTER TABLE products ADD COLUMN owner INT',
      'TRUNCATE TABLE likes',
      'CREATE INDEX intruder ON products (title)',
      `CREATE DATABASE ${uniqueName('t_intruder_')}`,
      `GRANT SELECT ON \`${main.credentials.database}\`.* TO '${users.admin}'@'%'`,
      'SELECT * FROM mysql.user',
    ]) {
      assert.match(await refused(sql), /DENIED/, sql);
    }
  });
});
