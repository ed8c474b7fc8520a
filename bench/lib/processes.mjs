// Child processes the bench runs (services, calibration servers, the fault proxy), their logs, and
// their resident memory read from /proc (what the kernel charges the process, not V8's heap).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const LOG_DIR = path.join(ROOT, 'bench-results', 'logs');

/** Only what a child needs from our environment: nothing of the bench's own or the shell's OTEL_* leaks in. */
function baseEnv() {
  const { PATH, HOME, TZ } = process.env;
  return Object.fromEntries(Object.entries({ PATH, HOME, TZ }).filter(([, v]) => v !== undefined));
}

export function startChild(name, entry, { env = {}, args = [], nodeArgs = [], ipc = false } = {}) {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(path.join(LOG_DIR, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [...nodeArgs, entry, ...args], {
    cwd: ROOT,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    resolve({ code, signal });
  }));
  return {
    name,
    child,
    pid: child.pid,
    alive: () => !exited,
    async stop(timeoutMs = 15_000) {
      if (exited) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exit;
      clearTimeout(timer);
      log.end();
      return result;
    },
  };
}

/** Resident set size in MB from /proc/<pid>/status (VmRSS); undefined once the process is gone. */
export function rssMb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples each named process's RSS while a phase runs; keeps the peak per phase and overall. */
export class RssSampler {
  constructor(intervalMs = 200) {
    this.intervalMs = intervalMs;
    this.processes = new Map();
    this.phasePeaks = {};
    this.overall = {};
    this.phase = undefined;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  watch(name, pid) {
    this.processes.set(name, pid);
  }

  unwatch(name) {
    this.processes.delete(name);
  }

  sample() {
    for (const [name, pid] of this.processes) {
      const mb = rssMb(pid);
      if (mb === undefined) continue;
      this.overall[name] = Math.max(this.overall[name] ?? 0, mb);
      if (this.phase) {
        const peaks = (this.phasePeaks[this.phase] ??= {});
        peaks[name] = Math.max(peaks[name] ?? 0, mb);
      }
    }
  }

  /** Starts a named phase; returns a function that ends it and gives that phase's peaks. */
  begin(phase) {
    this.phase = phase;
    this.sample();
    return () => {
      this.sample();
      this.phase = undefined;
      return { ...(this.phasePeaks[phase] ?? {}) };
    };
  }

  stop() {
    clearInterval(this.timer);
  }
}
