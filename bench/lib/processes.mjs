// Child processes the bench runs (services, calibration servers, the fault proxy), their logs, and
// their resident memory and CPU time read from /proc (what the kernel charges the process, not V8's heap).
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  const exit = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    }),
  );
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

/** Peak resident set size since the last reset (VmHWM), in MB; undefined once the process is gone. */
export function peakRssMb(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Sets a process's VmHWM back to its current RSS (Linux ≥ 4.0, own processes); false when refused. */
function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Samples each named process's RSS while a phase runs; keeps the peak per phase and overall.
 * Sampling alone misses a spike between two samples, so each phase also resets the kernel's own
 * high-water mark (VmHWM) at its start and reads it at its end: the phase's peak is the larger of
 * the two, exact where the kernel lets us reset it (`exactPeak` says where it did). The RSS at the
 * start of a phase (before its load) is kept as `atStart`.
 */
export class RssSampler {
  constructor(intervalMs = Number(process.env.BENCH_RSS_INTERVAL_MS ?? 50)) {
    this.intervalMs = intervalMs;
    this.processes = new Map();
    this.phasePeaks = {};
    this.phaseStarts = {};
    this.exactPeak = {};
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

  record(name, mb) {
    this.overall[name] = Math.max(this.overall[name] ?? 0, mb);
    if (this.phase) {
      const peaks = (this.phasePeaks[this.phase] ??= {});
      peaks[name] = Math.max(peaks[name] ?? 0, mb);
    }
  }

  sample() {
    for (const [name, pid] of this.processes) {
      const mb = rssMb(pid);
      if (mb !== undefined) this.record(name, mb);
    }
  }

  /** Starts a named phase; returns a function that ends it and gives that phase's peaks. */
  begin(phase) {
    this.phase = phase;
    const starts = (this.phaseStarts[phase] = {});
    const exact = (this.exactPeak[phase] = {});
    for (const [name, pid] of this.processes) {
      const mb = rssMb(pid);
      if (mb !== undefined) starts[name] = mb;
      exact[name] = resetPeakRss(pid);
    }
    this.sample();
    const watched = new Map(this.processes);
    return () => {
      for (const [name, pid] of watched) {
        const mb = peakRssMb(pid);
        if (mb !== undefined && exact[name]) this.record(name, mb);
      }
      this.sample();
      this.phase = undefined;
      return { ...(this.phasePeaks[phase] ?? {}) };
    };
  }

  stop() {
    clearInterval(this.timer);
  }
}

let clockTicks;
/** Kernel clock ticks a second (the unit of utime/stime in /proc/<pid>/stat). */
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined once gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds each watched process used during a phase (deltas of /proc/<pid>/stat, 10 ms
 * resolution). Shared servers (MariaDB, RabbitMQ) count every client's work, other sessions' too.
 */
export class CpuMeter {
  constructor() {
    this.processes = new Map();
  }

  watch(name, pid) {
    this.processes.set(name, pid);
  }

  unwatch(name) {
    this.processes.delete(name);
  }

  /** Returns a function that ends the phase: { wallSeconds, seconds: { name: CPU seconds } }. */
  begin() {
    const started = performance.now();
    const before = new Map([...this.processes].map(([name, pid]) => [name, { pid, cpu: cpuSeconds(pid) }]));
    return () => {
      const seconds = {};
      for (const [name, { pid, cpu }] of before) {
        const now = cpuSeconds(pid);
        if (cpu !== undefined && now !== undefined) seconds[name] = Math.round((now - cpu) * 100) / 100;
      }
      return { wallSeconds: Math.round((performance.now() - started) / 100) / 10, seconds };
    };
  }
}
