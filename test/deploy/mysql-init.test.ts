import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { TEST_DB, uniqueName } from '@catalogue/shared/testing';
import { REPO_ROOT } from './support/code-facts';

/**
 * The MySQL container's first-start script, run against the test server: the image would call
 * `mysql --protocol=socket -uroot`; here a `mysql` on PATH forwards the same SQL to the test server.
 */
const SCRIPT = join(REPO_ROOT, 'deploy/mysql/init/01-schemas-and-users.sh');

describe('deploy/mysql/init: schemas and least-privilege users on first start', () => {
  const id = uniqueName('').slice(-10);
  const names = {
    MAIN_DB_NAME: `t_init_main_${id}`,
    ADMIN_DB_NAME: `t_init_admin_${id}`,
    MAIN_DB_USER: `ti_main_${id}`,
    ADMIN_DB_USER: `ti_admin_${id}`,
    MIGRATION_DB_USER: `ti_migr_${id}`,
  };
  const passwords = { MAIN_DB_PASSWORD: `main-${id}`, ADMIN_DB_PASSWORD: `admin-${id}`, MIGRATION_DB_PASSWORD: `migr-${id}` };
  let bin: string;

  const runInit = (extra: Record<string, string> = {}) =>
    spawnSync('sh', [SCRIPT], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, MYSQL_ROOT_PASSWORD: 'root-is-reached-by-the-wrapper', ...names, ...passwords, ...extra } });
  const connectAs = (user: string, password: string, database: string) => mysql.createConnection({ host: TEST_DB.host, port: TEST_DB.port, user, password, database });

  before(() => {
    bin = mkdtempSync(join(tmpdir(), 'mysql-wrapper-'));
    const password = TEST_DB.password ? ` --password='${TEST_DB.password}'` : '';
    writeFileSync(join(bin, 'mysql'), `#!/bin/sh\nunset MYSQL_PWD\nexec /usr/bin/mysql -h ${TEST_DB.host} -P ${TEST_DB.port} -u ${TEST_DB.user}${password}\n`);
    chmodSync(join(bin, 'mysql'), 0o755);
  });

  after(async () => {
    rmSync(bin, { recursive: true, force: true });
    const root = await mysql.createConnection({ ...TEST_DB });
    try {
      for (const db of [names.MAIN_DB_NAME, names.ADMIN_DB_NAME]) await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
      for (const user of [names.MAIN_DB_USER, names.ADMIN_DB_USER, names.MIGRATION_DB_USER]) await root.query('DROP USER IF EXISTS ?@?', [user, '%']);
    } finally {
      await root.end();
    }
  });

  test('creates both schemas and the three users, and running it again changes nothing', () => {
    for (let i = 0; i < 2; i++) {
      const run = runInit();
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /schemas .* are ready/);
    }
  });

  test('the migration user can apply every migration (npm run migrate) without root', () => {
    const run = spawnSync(process.execPath, ['migrations/dist/cli.js'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        MIGRATION_DB_HOST: TEST_DB.host,
        MIGRATION_DB_PORT: String(TEST_DB.port),
        MIGRATION_DB_USER: names.MIGRATION_DB_USER,
        MIGRATION_DB_PASSWORD: passwords.MIGRATION_DB_PASSWORD,
        MAIN_DB_NAME: names.MAIN_DB_NAME,
        ADMIN_DB_NAME: names.ADMIN_DB_NAME,
      },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /main .*applied/);
    assert.match(run.stdout, /admin .*applied/);
  });

  test('each service user reads and writes its own schema, but can neither change its tables nor see the other schema', async () => {
    for (const [user, password, own, other] of [
      [names.MAIN_DB_USER, passwords.MAIN_DB_PASSWORD, names.MAIN_DB_NAME, names.ADMIN_DB_NAME],
      [names.ADMIN_DB_USER, passwords.ADMIN_DB_PASSWORD, names.ADMIN_DB_NAME, names.MAIN_DB_NAME],
    ] as const) {
      const conn = await connectAs(user, password, own);
      try {
        await conn.query('SELECT COUNT(*) FROM outbox');
        await conn.query('DELETE FROM outbox WHERE id IS NULL');
        await assert.rejects(conn.query('CREATE TABLE sneaky (id INT)'), /denied/i, `${user} cannot create tables`);
        await assert.rejects(conn.query('ALTER TABLE outbox ADD COLUMN sneaky INT'), /denied/i, `${user} cannot alter tables`);
        await assert.rejects(conn.query(`SELECT COUNT(*) FROM \`${other}\`.outbox`), /denied/i, `${user} cannot read ${other}`);
      } finally {
        await conn.end();
      }
    }
  });

  test('refuses a password with a quote rather than building broken SQL', () => {
    const run = runInit({ MAIN_DB_PASSWORD: "it's" });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /may not contain quotes/);
  });
});
