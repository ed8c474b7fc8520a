import type { Engine } from './engine';

/**
 * What Kubernetes asks of the pods (deploy/k8s/base: runAsNonRoot, readOnlyRootFilesystem with an
 * emptyDir on /tmp, capabilities drop ALL, allowPrivilegeEscalation false), as docker run flags.
 */
export const HARDENED = ['--network=host', '--read-only', '--tmpfs=/tmp', '--cap-drop=ALL', '--security-opt=no-new-privileges'];

export interface ContainerState {
  Status: string;
  ExitCode: number;
  StartedAt: string;
  FinishedAt: string;
  Health?: { Status: string; Log?: { Start: string; End: string; ExitCode: number; Output: string }[] };
}

export async function state(engine: Engine, name: string): Promise<ContainerState> {
  const result = await engine.docker(['inspect', '--format', '{{json .State}}', name]);
  return JSON.parse(result.stdout) as ContainerState;
}

export async function logs(engine: Engine, name: string): Promise<string> {
  const result = await engine.docker(['logs', '--tail=40', name], { check: false });
  return `${result.stdout}${result.stderr}`;
}

/** Waits until the engine reports the container healthy (its HEALTHCHECK passed); fails at once if it stops. */
export async function waitHealthy(engine: Engine, name: string, timeoutMs = 240_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const current = await state(engine, name);
    if (current.Status !== 'running')
      throw new Error(`${name} is ${current.Status} (exit ${current.ExitCode}) instead of healthy:\n${await logs(engine, name)}`);
    if (current.Health?.Status === 'healthy') return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      const last = current.Health?.Log?.at(-1);
      throw new Error(
        `${name} not healthy after ${timeoutMs} ms (health ${current.Health?.Status ?? 'none'}, last probe exit ${last?.ExitCode}: ${last?.Output})\n${await logs(engine, name)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** What the container's processes may do, seen from inside: run as whom, with which capabilities, writing where. */
export interface Inside {
  pid1: { uid: string; capEff: string; capBnd: string; noNewPrivs: string; command: string[] };
  writes: Record<string, string>;
}

const PROBE = `
const fs = require('fs');
const status = Object.fromEntries(fs.readFileSync('/proc/1/status', 'utf8').split('\\n').filter(Boolean).map((l) => l.split(/:\\s+/)));
const tryWrite = (path) => { try { fs.writeFileSync(path, 'x'); fs.unlinkSync(path); return 'written'; } catch (e) { return e.code; } };
console.log(JSON.stringify({
  pid1: { uid: status.Uid, capEff: status.CapEff, capBnd: status.CapBnd, noNewPrivs: status.NoNewPrivs, command: fs.readFileSync('/proc/1/cmdline', 'utf8').split('\\0').filter(Boolean) },
  writes: { '/app': tryWrite('/app/probe'), '/home/node': tryWrite('/home/node/probe'), '/etc': tryWrite('/etc/probe'), '/tmp': tryWrite('/tmp/probe') },
}));`;

export async function inside(engine: Engine, name: string): Promise<Inside> {
  const result = await engine.docker(['exec', name, 'node', '-e', PROBE]);
  return JSON.parse(result.stdout) as Inside;
}

/** `docker stop` (SIGTERM, then SIGKILL after the grace period), timed, and the exit code it left. */
export async function stopTimed(engine: Engine, name: string, graceSeconds: number): Promise<{ ms: number; exitCode: number }> {
  const started = Date.now();
  await engine.docker(['stop', `--time=${graceSeconds}`, name], { timeoutMs: (graceSeconds + 30) * 1000 });
  const ms = Date.now() - started;
  return { ms, exitCode: (await state(engine, name)).ExitCode };
}
