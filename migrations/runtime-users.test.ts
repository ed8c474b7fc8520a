import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { createTestDatabase, TEST_DB, uniqueName, type TestDatabase } from '@catalogue/shared/testing';
import { migrateSchema } from './index';
import { dropRuntimeUser, ensureDatabaseUser, ensureRuntimeUser, RUNTIME_PRIVILEGES } from './runtime-users';

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
    // Running it again (as `npm run provision` does) changes nothing and does not fail.
    assert.equal(await ensureRuntimeUser(root, main.credentials.database, users.main, passwords.main), 'unchanged');
  } finally {
    await root.end();
  }
  asMain = await mysql.createConnection({
    host: TEST_DB.host,
    port: TEST_DB.port,
    user: users.main,
    password: passwords.main,
    database: main.credentials.database,
  });
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

describe('provisioning a database user that already exists', () => {
  test('keeps its password when given a development default or none, and takes an explicit new one', async () => {
    const name = uniqueName('tpw_');
    const grant = { privileges: RUNTIME_PRIVILEGES, databases: [main.credentials.database] };
    const signsIn = async (password: string) => {
      try {
        await (await mysql.createConnection({ host: TEST_DB.host, port: TEST_DB.port, user: name, password })).end();
        return true;
      } catch {
        return false;
      }
    };
    const root = await mysql.createConnection({ ...TEST_DB });
    try {
      assert.equal(await ensureDatabaseUser(root, { name, password: 'first-password' }, grant), 'created');
      assert.equal(await ensureDatabaseUser(root, { name, password: 'main-dev-password', passwordIsDefault: true }, grant), 'unchanged');
      assert.equal(await ensureDatabaseUser(root, { name }, grant), 'unchanged');
      assert.equal(await signsIn('first-password'), true);
      assert.equal(await signsIn('main-dev-password'), false);
      assert.equal(await ensureDatabaseUser(root, { name, password: 'second-password' }, grant), 'updated');
      assert.equal(await signsIn('second-password'), true);
      assert.equal(await signsIn('first-password'), false);
    } finally {
      await dropRuntimeUser(root, name);
      await root.end();
    }
  });

  test("a user a DBA made for '%' only gets the missing host accounts, and the explicit password on every one", async () => {
    const name = uniqueName('tdba_');
    const root = await mysql.createConnection({ ...TEST_DB });
    try {
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [name, '%', 'dba-password']);
      const anyHost = async () =>
        (
          (await root.query('SELECT authentication_string AS hash FROM mysql.user WHERE User = ? AND Host = ?', [name, '%']))[0] as {
            hash: string;
          }[]
        )[0]?.hash;
      const before = await anyHost();
      assert.equal(
        await ensureDatabaseUser(
          root,
          { name, password: 'provisioned-password' },
          { privileges: RUNTIME_PRIVILEGES, databases: [main.credentials.database] },
        ),
        'created',
      );
      const [rows] = await root.query('SELECT Host AS host FROM mysql.user WHERE User = ? ORDER BY Host', [name]);
      assert.deepEqual((rows as { host: string }[]).map((r) => r.host).sort(), ['%', '127.0.0.1', 'localhost']);
      assert.notEqual(await anyHost(), before, "the '%' account has the provisioned password too");
      assert.equal(
        await ensureDatabaseUser(
          root,
          { name, password: 'provisioned-password' },
          { privileges: RUNTIME_PRIVILEGES, databases: [main.credentials.database] },
        ),
        'unchanged',
      );
    } finally {
      await dropRuntimeUser(root, name);
      await root.end();
    }
  });

  test('a new user without a password is an error naming it, and nothing is created', async () => {
    const name = uniqueName('tnopw_');
    const root = await mysql.createConnection({ ...TEST_DB });
    try {
      await assert.rejects(
        ensureDatabaseUser(root, { name }, { privileges: RUNTIME_PRIVILEGES, databases: [main.credentials.database] }),
        new RegExp(`database user ${name} does not exist and no password was given`),
      );
      const [rows] = await root.query('SELECT 1 FROM mysql.user WHERE User = ?', [name]);
      assert.deepEqual(rows, []);
    } finally {
      await root.end();
    }
  });
});
