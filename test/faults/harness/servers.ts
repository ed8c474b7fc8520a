import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function managementAnswers(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/api/overview`, {
      headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
      signal: AbortSignal.timeout(2000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The process state letter from /proc (R, S, T for stopped...), or undefined when it is gone. */
function processState(pid: number): string | undefined {
  try {
    // The command name is in parentheses and may hold spaces: the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

export function chownTree(dir: string, user: string): void {
  // The servers drop root and run as their own system user, which must own their directories.
  const uid = Number(
    readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${user}:`))
      ?.split(':')[2],
  );
  const gid = Number(
    readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${user}:`))
      ?.split(':')[3],
  );
  if (!Number.isFinite(uid)) throw new Error(`system user ${user} not found`);
  chownSync(dir, uid, gid);
}

/**
 * A MariaDB server of the fault tests' own (its own data directory and port), so killing it never
 * disturbs anything else on the machine. Always `destroy()` it, even when a test fails.
 */
export class PrivateMariaDb {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'fault-db-'));
  port = 0;

  constructor(readonly label: string) {}

  async init(): Promise<void> {
    this.port = await freePort();
    // A temporary directory of its own too: parallel runs once collided on a temp-table name in /tmp.
    mkdirSync(`${this.dir}/tmp`);
    chownTree(this.dir, 'mysql');
    chownTree(`${this.dir}/tmp`, 'mysql');
    await run(
      'mariadb-install-db',
      [
        '--no-defaults',
        '--user=mysql',
        `--datadir=${this.dir}/data`,
        `--tmpdir=${this.dir}/tmp`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      { env: { ...process.env, TMPDIR: `${this.dir}/tmp` } },
    );
    guardAgainstOrphans(`${killIfStill(`$(cat ${this.dir}/mariadbd.pid 2>/dev/null)`, this.dir)}; rm -rf ${this.dir}`);
    await this.start();
  }

  private pid(): number | undefined {
    try {
      return Number(readFileSync(`${this.dir}/mariadbd.pid`, 'utf8').trim());
    } catch {
      return undefined;
    }
  }

  async start(): Promise<void> {
    const child = spawn(
      '/usr/sbin/mariadbd',
      [
        '--no-defaults',
        '--user=mysql',
        `--datadir=${this.dir}/data`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${this.dir}/mysqld.sock`,
        `--tmpdir=${this.dir}/tmp`,
        `--pid-file=${this.dir}/mariadbd.pid`,
        `--log-error=${this.dir}/error.log`,
        '--skip-log-bin',
        '--innodb-buffer-pool-size=64M',
        '--max-connections=500',
      ],
      { detached: true, stdio: 'ignore' },
    );
    child.unref();
    await waitUntil(`MariaDB ${this.label} on port ${this.port}`, () => portOpen(this.port), 30_000);
  }

  /**
   * SIGKILL: no shutdown, no flush; InnoDB recovers on the next start. Fails loudly when there is
   * no running server to kill: a kill that did nothing would let its scenario prove nothing.
   * Returns the pid it killed.
   */
  async kill(): Promise<number> {
    const pid = this.pid();
    if (!pid || !pidAlive(pid)) throw new Error(`MariaDB ${this.label}: no running server to kill (pid file ${pid ?? 'missing'})`);
    process.kill(pid, 'SIGKILL');
    await waitUntil(`MariaDB ${this.label} to die`, async () => !(await portOpen(this.port)) && !pidAlive(pid), 15_000);
    return pid;
  }

  /** Kills the server and starts it again; returns the killed pid and the new one. */
  async restartHard(): Promise<{ killed: number; started: number }> {
    const killed = await this.kill();
    await this.start();
    // The port may open a moment before the new server rewrites the (stale) pid file.
    await waitUntil(
      `MariaDB ${this.label} to record its new pid`,
      async () => {
        const pid = this.pid();
        return pid !== undefined && pid !== killed && pidAlive(pid);
      },
      15_000,
    );
    return { killed, started: this.pid()! };
  }

  async destroy(): Promise<void> {
    const pid = this.pid();
    if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
    await waitUntil(`MariaDB ${this.label} to die`, async () => !(pid && pidAlive(pid)), 15_000).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A RabbitMQ node of the fault tests' own (its own name, ports, data and config), so stopping,
 * pausing or killing it never disturbs anything else. Always `destroy()` it.
 */
export class PrivateRabbitMq {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'fault-rmq-'));
  readonly node = `faults${randomBytes(3).toString('hex')}@localhost`;
  port = 0;
  /** The management HTTP API's port, when started with `management: true` (0 otherwise). */
  managementPort = 0;
  private distPort = 0;

  constructor(private readonly options: { management?: boolean } = {}) {}

  async init(): Promise<void> {
    this.port = await freePort();
    this.distPort = await freePort();
    mkdirSync(`${this.dir}/mnesia`);
    mkdirSync(`${this.dir}/log`);
    let config = `listeners.tcp.local = 127.0.0.1:${this.port}\nloopback_users = none\nheartbeat = 60\n`;
    if (this.options.management) {
      this.managementPort = await freePort();
      config += `management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = ${this.managementPort}\n`;
    }
    writeFileSync(`${this.dir}/enabled_plugins`, this.options.management ? '[rabbitmq_management].\n' : '[].\n');
    // Its own config file: the machine's listens on 5672 (and 15672), which are taken.
    writeFileSync(`${this.dir}/rabbitmq.conf`, config);
    for (const sub of ['', '/mnesia', '/log', '/enabled_plugins', '/rabbitmq.conf']) chownTree(`${this.dir}${sub}`, 'rabbitmq');
    guardAgainstOrphans(`${killIfStill(`$(cat ${this.dir}/pid 2>/dev/null)`, this.node)}; rm -rf ${this.dir}`);
    await this.start();
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      RABBITMQ_NODENAME: this.node,
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_CONFIG_FILE: `${this.dir}/rabbitmq`,
      RABBITMQ_MNESIA_BASE: `${this.dir}/mnesia`,
      RABBITMQ_LOG_BASE: `${this.dir}/log`,
      RABBITMQ_ENABLED_PLUGINS_FILE: `${this.dir}/enabled_plugins`,
      RABBITMQ_PID_FILE: `${this.dir}/pid`,
    };
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  /** The management API's base URL (credentials apart: fetch refuses URLs that carry them). */
  get managementUrl(): string {
    if (!this.managementPort) throw new Error('this node was started without the management plugin');
    return `http://127.0.0.1:${this.managementPort}`;
  }

  private pid(): number | undefined {
    try {
      return Number(readFileSync(`${this.dir}/pid`, 'utf8').trim());
    } catch {
      return undefined;
    }
  }

  async start(): Promise<void> {
    await run('rabbitmq-server', ['-detached'], { env: this.env() });
    await waitUntil(`RabbitMQ ${this.node} on port ${this.port}`, () => portOpen(this.port), 90_000);
    // The management listener starts with its plugin, after AMQP: wait until it answers.
    if (this.managementPort)
      await waitUntil(`RabbitMQ management on port ${this.managementPort}`, () => managementAnswers(this.managementUrl), 90_000);
  }

  async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run('rabbitmqctl', ['-n', this.node, '-q', ...args], { env: this.env(), timeout: 60_000 });
    return stdout;
  }

  /** A clean restart: the broker stops its applications (closing every connection) and starts them again. */
  async restartClean(): Promise<void> {
    await this.ctl('stop_app');
    await this.ctl('start_app');
    await waitUntil('RabbitMQ to listen again', () => portOpen(this.port), 60_000);
  }

  /** The running Erlang VM's pid; throws when there is none, so no fault silently does nothing. */
  private runningPid(action: string): number {
    const pid = this.pid();
    if (!pid || !pidAlive(pid))
      throw new Error(`RabbitMQ ${this.node}: cannot ${action}, no running broker (pid file ${pid ?? 'missing'})`);
    return pid;
  }

  /** SIGKILL of the Erlang VM (start it again with `start`); returns the killed pid. */
  async killHard(): Promise<number> {
    const pid = this.runningPid('kill it');
    process.kill(pid, 'SIGKILL');
    await waitUntil('RabbitMQ to die', async () => !pidAlive(pid) && !(await portOpen(this.port)), 15_000);
    return pid;
  }

  /** SIGSTOP: the broker keeps its sockets open but answers nothing. Returns the stopped pid once the kernel shows it stopped. */
  async pause(): Promise<number> {
    const pid = this.runningPid('pause it');
    process.kill(pid, 'SIGSTOP');
    await waitUntil('RabbitMQ to be stopped', async () => processState(pid) === 'T', 10_000);
    return pid;
  }

  async resume(): Promise<void> {
    const pid = this.runningPid('resume it');
    process.kill(pid, 'SIGCONT');
    await waitUntil('RabbitMQ to run again', async () => processState(pid) !== 'T', 10_000);
  }

  async closeAllConnections(): Promise<void> {
    await this.ctl('close_all_connections', 'fault test');
  }

  /** Raises the disk-free limit above the disk: the broker's disk alarm blocks every publisher. */
  async diskAlarm(on: boolean): Promise<void> {
    await this.ctl('set_disk_free_limit', on ? '100000GB' : '50MB');
  }

  /** Ready plus unacknowledged messages per queue. */
  async queueDepths(): Promise<Record<string, number>> {
    const out = await this.ctl('list_queues', 'name', 'messages', '--no-table-headers');
    const depths: Record<string, number> = {};
    for (const line of out.split('\n')) {
      const [name, messages] = line.trim().split(/\s+/);
      if (name && messages !== undefined) depths[name] = Number(messages);
    }
    return depths;
  }

  async destroy(): Promise<void> {
    const pid = this.pid();
    if (pid && pidAlive(pid)) {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
      await waitUntil('RabbitMQ to die', async () => !pidAlive(pid), 15_000).catch(() => undefined);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Kills what the fault tests start if this test process dies without cleaning up (killed by a
 * timeout or a signal): a detached shell waits for this process to end, then runs `cleanup`.
 * `destroy()` stays the normal path; this only catches the abnormal one.
 */
/** Shell: SIGKILL the pid only if its command line or environment still names `marker` (pids get reused). */
export function killIfStill(pid: string, marker: string): string {
  return `p=${pid}; [ -n "$p" ] && grep -qaF '${marker}' /proc/$p/cmdline /proc/$p/environ 2>/dev/null && kill -9 $p`;
}

export function guardAgainstOrphans(cleanup: string): void {
  const guardian = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; ${cleanup}`], {
    detached: true,
    stdio: 'ignore',
  });
  guardian.unref();
}
