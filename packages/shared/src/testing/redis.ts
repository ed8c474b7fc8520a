import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './processes';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A redis-server of a test's own, on a free port with its own directory and nothing saved, so a
 * test may stop, pause or restart it without touching the machine's Redis (6379). Always `destroy()`
 * it; a guardian shell kills it should the test process die first.
 */
export class PrivateRedis {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'test-redis-'));
  port = 0;
  private child?: ChildProcess;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--logfile',
        path.join(this.dir, 'redis.log'),
      ],
      {
        stdio: 'ignore',
      },
    );
    this.child = child;
    // Kills the server if this process dies first; checks the command line, as pids get reused.
    const pid = child.pid;
    const guard = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 2; done; grep -qa ':${this.port}' /proc/${pid}/cmdline 2>/dev/null && kill -9 ${pid}`;
    const guardian = spawn('sh', ['-c', guard], {
      detached: true,
      stdio: 'ignore',
    });
    guardian.unref();
    await waitFor(`redis-server on port ${this.port}`, () => portOpen(this.port));
  }

  /** Kills the server (SIGKILL: nothing answers any more; connections drop). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
    await waitFor(`redis-server on port ${this.port} to close`, async () => !(await portOpen(this.port)));
  }

  /** SIGSTOP: connections stay open but nothing is answered (a hung server). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
