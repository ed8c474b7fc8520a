import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { guardAgainstOrphans, killIfStill } from '../../faults/harness/servers';

/**
 * A Docker engine of the image tests' own: Debian's dockerd started by hand with its own data root,
 * exec root and socket, so it never meets another engine on the machine. The data root stays
 * between runs (it holds the base image and the build cache); one run at a time uses it, under the
 * lock that test/images/run.sh takes. No bridge network is ever made (no traffic to private
 * address ranges here): containers and builds use the host network, or the network namespace the
 * engine was started in.
 */
export const STATE_DIR = '/var/lib/catalogue-images';
const DATA_ROOT = `${STATE_DIR}/docker`;
const RUN_DIR = '/run/catalogue-images';
const SOCKET = `${RUN_DIR}/docker.sock`;
const PID_FILE = `${RUN_DIR}/dockerd.pid`;
/** Debian's docker.io CLI, the same release as its daemon. */
export const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the command after this long (it then fails). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Fail unless the command exits 0 (default true). */
  check?: boolean;
  /** Data for its standard input. */
  input?: string;
}

/** Runs a command to its end, collecting its output; by default a non-zero exit throws with the output. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] };
    const child = spawn(command, args, spawnOptions);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // A command that never reads its input may close the pipe first; that is no failure.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input ?? '');
    const timer = options.timeoutMs
      ? setTimeout(() => {
          stderr += `\n(killed after ${options.timeoutMs} ms)`;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const result = { code, stdout, stderr };
      if ((options.check ?? true) && code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
      } else resolve(result);
    });
  });
}

export interface Engine {
  /** DOCKER_HOST and the rest of the environment for docker and docker-compose. */
  env: NodeJS.ProcessEnv;
  docker(args: string[], options?: RunOptions): Promise<Result>;
  stop(): Promise<void>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const readPid = () => {
  try {
    return Number(readFileSync(PID_FILE, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
};

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Stops a daemon that a run which died left behind (we hold the lock, so nobody else uses it). */
async function stopLeftover(): Promise<void> {
  const pid = readPid();
  if (pid === undefined || !alive(pid)) return;
  if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(DATA_ROOT)) return;
  process.kill(pid, 'SIGTERM');
  await waitFor('the leftover dockerd to stop', () => !alive(pid), 60_000).catch(() => process.kill(pid, 'SIGKILL'));
}

/**
 * The exec root is run-time state only: a daemon leaves its namespace mounted there (exec/netns/
 * default), which would pin the next daemon, perhaps started in another namespace, to the old one.
 */
async function clearRunState(execRoot: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((mount): mount is string => mount !== undefined && mount.startsWith(`${execRoot}/`));
  for (const mount of mounts.reverse()) await run('umount', ['--lazy', mount], { check: false });
  rmSync(execRoot, { recursive: true, force: true });
  rmSync(SOCKET, { force: true });
}

/**
 * Starts the engine, in the host's network namespace or in the named one (`ip netns`): a
 * container on the "host" network shares the engine's namespace, so an engine started inside a
 * private namespace gives compose's services a loopback of their own.
 */
export async function startEngine(options: { netns?: string } = {}): Promise<Engine> {
  mkdirSync(DATA_ROOT, { recursive: true });
  mkdirSync(RUN_DIR, { recursive: true });
  await stopLeftover();
  const execRoot = `${RUN_DIR}/exec`;
  await clearRunState(execRoot);
  const daemon = [
    'dockerd',
    `--data-root=${DATA_ROOT}`,
    `--exec-root=${execRoot}`,
    `--host=unix://${SOCKET}`,
    `--pidfile=${PID_FILE}`,
    // No docker0, no NAT rules, no forwarding: the machine's network stays as it is.
    '--bridge=none',
    '--iptables=false',
    '--ip-masq=false',
    '--ip-forward=false',
  ];
  const argv = options.netns ? ['nsenter', `--net=/run/netns/${options.netns}`, '--', ...daemon] : daemon;
  const log = `${RUN_DIR}/dockerd.log`;
  const child = spawn('sh', ['-c', `exec "$@" >${log} 2>&1`, 'sh', ...argv], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid!;
  guardAgainstOrphans(killIfStill(String(pid), DATA_ROOT));
  const env = { ...process.env, DOCKER_HOST: `unix://${SOCKET}`, DOCKER_BUILDKIT: '0' };
  const docker = (args: string[], runOptions: RunOptions = {}) => run(DOCKER, args, { ...runOptions, env: { ...env, ...runOptions.env } });
  try {
    await waitFor(
      'dockerd to answer',
      async () => {
        if (!alive(pid)) throw new Error(`dockerd exited at start:\n${readFileSync(log, 'utf8').slice(-3000)}`);
        return (await docker(['version', '--format', '{{.Server.Version}}'], { check: false, timeoutMs: 10_000 })).code === 0;
      },
      120_000,
    );
  } catch (err) {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    throw err;
  }
  return {
    env,
    docker,
    async stop() {
      if (!alive(pid)) return;
      process.kill(pid, 'SIGTERM');
      await waitFor('dockerd to stop', () => !alive(pid), 60_000).catch(() => process.kill(pid, 'SIGKILL'));
      await clearRunState(execRoot);
    },
  };
}
