import { spawn, type ChildProcess } from 'node:child_process';
import { SERVICE_NODE_OPTIONS } from '@catalogue/shared/node-options';
import path from 'node:path';
import { guardAgainstOrphans, killIfStill } from './servers';

const REPO = path.resolve(__dirname, '../../../..');

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcessOptions {
  /** `main` runs the API (dist/main.js); `consumer` the consumer-only process (dist/consumer.js), whose `port` is its OPS_PORT. */
  entry?: 'main' | 'consumer';
  /** What `start()` waits for: a path answering 2xx on `port`. */
  readyPath?: string;
}

/** One service as a real child process, started from its compiled entry point as in production. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<ExitInfo> | undefined;
  private output: string[] = [];
  /** Counts starts: metrics and exit codes belong to one generation of the process. */
  generation = 0;

  constructor(
    readonly name: 'main' | 'admin',
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly options: ServiceProcessOptions = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process (optionally with extra settings, e.g. a crash point) and waits until it serves. */
  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    const entry = path.join(REPO, `${this.name}-service/dist/${this.options.entry ?? 'main'}.js`);
    const portVar = this.options.entry === 'consumer' ? 'OPS_PORT' : 'PORT';
    const child = spawn(process.execPath, [entry], {
      // With the V8 heap bounds the images ship (docs/decisions/0026): faults must hold under them.
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: SERVICE_NODE_OPTIONS, ...this.env, [portVar]: String(this.port), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.generation++;
    if (child.pid) guardAgainstOrphans(killIfStill(String(child.pid), entry));
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 400) this.output.splice(0, 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!this.running) throw new Error(`${this.name}-service exited during start-up:\n${this.tail()}`);
      try {
        const res = await fetch(`${this.url}${this.options.readyPath ?? '/ready'}`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name}-service did not start:\n${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Resolves when the process exits (by itself, e.g. at a crash point, or when stopped). */
  async exited(timeoutMs = 30_000): Promise<ExitInfo> {
    if (!this.exit) throw new Error('not started');
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.exit,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${this.name}-service did not exit within ${timeoutMs} ms:\n${this.tail()}`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM and wait: a graceful stop. */
  async stop(timeoutMs = 20_000): Promise<ExitInfo> {
    if (!this.running) return this.exit ? this.exit : { code: null, signal: null };
    this.child!.kill('SIGTERM');
    return this.exited(timeoutMs);
  }

  async kill(): Promise<void> {
    if (this.running) this.child!.kill('SIGKILL');
    await this.exit;
  }

  tail(lines = 30): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }
}
