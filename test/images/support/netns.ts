import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chownTree, guardAgainstOrphans } from '../../faults/harness/servers';
import { run, type Result, type RunOptions } from './engine';

/**
 * A network namespace of the test's own with only a loopback: compose's services, a MariaDB and a
 * RabbitMQ of the test's own listen there on their usual ports (5000, 8000, 3306, 5672, ...) without
 * meeting anything on the machine. Every process started inside is the test's, so teardown kills
 * whatever is left in it and deletes it.
 */
export class Netns {
  readonly name = `catalogue-compose-${randomBytes(3).toString('hex')}`;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'images-compose-'));

  async create(): Promise<void> {
    // The servers run as their own users and must reach their folders inside this one.
    chmodSync(this.dir, 0o755);
    await run('ip', ['netns', 'add', this.name]);
    guardAgainstOrphans(`for p in $(ip netns pids ${this.name}); do kill -9 $p; done; ip netns delete ${this.name}; rm -rf ${this.dir}`);
    await this.run('ip', ['link', 'set', 'lo', 'up']);
  }

  /** A command inside the namespace (network only: the filesystem is the machine's). */
  run(command: string, args: string[], options: RunOptions = {}): Promise<Result> {
    return run('nsenter', [`--net=/run/netns/${this.name}`, '--', command, ...args], options);
  }

  spawnDetached(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
    const child = spawn('nsenter', [`--net=/run/netns/${this.name}`, '--', command, ...args], { detached: true, stdio: 'ignore', env });
    child.unref();
  }

  async portOpen(port: number): Promise<boolean> {
    return (await this.run('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { check: false })).code === 0;
  }

  async waitForPort(what: string, port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.portOpen(port))) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * MariaDB of this machine on 127.0.0.1:3306 inside the namespace, in a data directory of its own,
   * with the root accounts the MySQL image makes from MYSQL_ROOT_PASSWORD (root@localhost and
   * root@'%', both with that password).
   */
  async startMariaDb(rootPassword: string): Promise<void> {
    const dir = `${this.dir}/mysql`;
    mkdirSync(`${dir}/tmp`, { recursive: true });
    chownTree(dir, 'mysql');
    chownTree(`${dir}/tmp`, 'mysql');
    await run(
      'mariadb-install-db',
      [
        '--no-defaults',
        '--user=mysql',
        `--datadir=${dir}/data`,
        `--tmpdir=${dir}/tmp`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      {
        env: { ...process.env, TMPDIR: `${dir}/tmp` },
        timeoutMs: 180_000,
      },
    );
    this.spawnDetached('/usr/sbin/mariadbd', [
      '--no-defaults',
      '--user=mysql',
      `--datadir=${dir}/data`,
      '--port=3306',
      '--bind-address=127.0.0.1',
      `--socket=${dir}/mysqld.sock`,
      `--tmpdir=${dir}/tmp`,
      `--pid-file=${dir}/mariadbd.pid`,
      `--log-error=${dir}/error.log`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=64M',
    ]);
    await this.waitForPort('MariaDB', 3306, 60_000);
    const password = rootPassword.replace(/\\/g, '\\\\').replace(/'/g, "''");
    const sql = [
      "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost')",
      'FLUSH PRIVILEGES',
      `ALTER USER 'root'@'localhost' IDENTIFIED BY '${password}'`,
      `CREATE USER 'root'@'%' IDENTIFIED BY '${password}'`,
      "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION",
    ].join(';\n');
    await run('mysql', [`--socket=${dir}/mysqld.sock`, '-uroot', '-e', sql]);
  }

  /** Redis of this machine on 127.0.0.1:6379 inside the namespace, keeping nothing on disk (as compose's). */
  async startRedis(): Promise<void> {
    const dir = `${this.dir}/redis`;
    mkdirSync(dir);
    await this.run('redis-server', [
      '--port',
      '6379',
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--dir',
      dir,
      '--logfile',
      `${dir}/redis.log`,
    ]);
    await this.waitForPort('Redis', 6379, 30_000);
  }

  /**
   * RabbitMQ of this machine on 127.0.0.1:5672 inside the namespace, with the management API on
   * 15672 and its first user from `user`/`password`, as the rabbitmq image makes it from
   * RABBITMQ_DEFAULT_USER/PASS.
   */
  async startRabbitMq(user: string, password: string): Promise<void> {
    const dir = `${this.dir}/rabbitmq`;
    mkdirSync(`${dir}/mnesia`, { recursive: true });
    mkdirSync(`${dir}/log`);
    writeFileSync(`${dir}/enabled_plugins`, '[rabbitmq_management].\n');
    writeFileSync(
      `${dir}/rabbitmq.conf`,
      [
        'listeners.tcp.local = 127.0.0.1:5672',
        'management.tcp.ip = 127.0.0.1',
        'management.tcp.port = 15672',
        `default_user = ${user}`,
        `default_pass = ${password}`,
        'default_user_tags.administrator = true',
        'loopback_users = none',
        '',
      ].join('\n'),
    );
    for (const sub of ['', '/mnesia', '/log', '/enabled_plugins', '/rabbitmq.conf']) chownTree(`${dir}${sub}`, 'rabbitmq');
    await this.run('rabbitmq-server', ['-detached'], {
      env: {
        ...process.env,
        RABBITMQ_NODENAME: `${this.name.replace(/-/g, '')}@localhost`,
        RABBITMQ_CONFIG_FILE: `${dir}/rabbitmq`,
        RABBITMQ_MNESIA_BASE: `${dir}/mnesia`,
        RABBITMQ_LOG_BASE: `${dir}/log`,
        RABBITMQ_ENABLED_PLUGINS_FILE: `${dir}/enabled_plugins`,
        RABBITMQ_PID_FILE: `${dir}/pid`,
      },
      timeoutMs: 120_000,
    });
    await this.waitForPort('RabbitMQ', 5672, 120_000);
    await this.waitForPort('the RabbitMQ management API', 15672, 120_000);
  }

  /** Kills every process left in the namespace (all of them the test's), then deletes it. */
  async destroy(): Promise<void> {
    const pids = async () =>
      (await run('ip', ['netns', 'pids', this.name], { check: false })).stdout.split(/\s+/).filter(Boolean).map(Number);
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      for (const pid of await pids()) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
      const deadline = Date.now() + 30_000;
      while ((await pids()).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await run('ip', ['netns', 'delete', this.name], { check: false });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
