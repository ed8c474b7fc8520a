import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../deploy/support/code-facts';
import { run } from './engine';

/** The variables deploy/mysql/init/01-schemas-and-users.sh reads (compose's .env names). */
export interface SchemaSettings {
  MAIN_DB_NAME: string;
  MAIN_DB_USER: string;
  MAIN_DB_PASSWORD: string;
  ADMIN_DB_NAME: string;
  ADMIN_DB_USER: string;
  ADMIN_DB_PASSWORD: string;
  MIGRATION_DB_USER: string;
  MIGRATION_DB_PASSWORD: string;
}

/**
 * Runs the MySQL container's first-start script (both schemas, the run-time users and the
 * migration user) against a server of this machine, through a `mysql` on PATH that reaches it:
 * `client` is the body of that `mysql` shell script (the script calls `mysql --protocol=socket
 * -uroot` with MYSQL_PWD set to the root password, as in the MySQL image).
 */
export async function runSchemaInit(settings: SchemaSettings & { MYSQL_ROOT_PASSWORD: string }, client: string): Promise<string> {
  const bin = mkdtempSync(join(tmpdir(), 'images-mysql-'));
  try {
    writeFileSync(join(bin, 'mysql'), `#!/bin/sh\n${client}\n`);
    chmodSync(join(bin, 'mysql'), 0o755);
    const result = await run('sh', [join(REPO_ROOT, 'deploy/mysql/init/01-schemas-and-users.sh')], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...settings },
      timeoutMs: 60_000,
    });
    return result.stdout.trim();
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}
