import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { REPO_ROOT } from '../deploy/support/code-facts';
import { readDotenv, readRepoFile } from '../deploy/support/files';
import { logs, state } from './support/containers';
import { run, startEngine, type Engine, type Result } from './support/engine';
import { buildImages, ensureBase, type Base } from './support/images';
import { Netns } from './support/netns';

/**
 * docker-compose.yml run for real: the project's services as the file defines them, with
 * test/images/compose.this-machine.yml swapping only what cannot be fetched here, inside a network
 * namespace of the test's own (so 5000, 8000, 3306, 5672 are free there). The .env is
 * .env.example as the README says to copy it. Then the README's walkthrough, as printed.
 *
 * One step is not the override's: docker-compose 1.29 refuses published ports on the host network
 * (and an override can only add ports), so the test renders the merged file (`docker-compose
 * config`) and drops `ports` from it. On the host network each process listens on the very port
 * compose would publish (test/deploy/compose.test.ts checks that they agree).
 */

const OVERRIDE = 'test/images/compose.this-machine.yml';
const env = readDotenv('.env.example');
const SERVICES = ['provision', 'migrate', 'seed', 'main-service', 'main-consumer', 'admin-service', 'admin-consumer'];
const LONG_RUNNING = ['main-service', 'main-consumer', 'admin-service', 'admin-consumer'];

let netns: Netns;
let engine: Engine;
let base: Base;
let up: Result;
let walkthrough: Result;
const events: { service: string; status: string; time: number }[] = [];
let since = 0;
let rendered: string;
let readyAfterMs = 0;

function compose(files: string[], args: string[], timeoutMs = 600_000, check = true): Promise<Result> {
  return run(
    'docker-compose',
    ['--project-directory', REPO_ROOT, '--env-file', join(REPO_ROOT, '.env.example'), ...files.flatMap((f) => ['-f', f]), ...args],
    {
      cwd: REPO_ROOT,
      env: { ...engine.env, STAND_IN_IMAGE: base.image },
      timeoutMs,
      check,
    },
  );
}

/** docker-compose.yml merged with the override, as docker-compose reads them, less the published ports. */
async function renderWithoutPorts(): Promise<string> {
  const merged = parse((await compose(['docker-compose.yml', OVERRIDE], ['config'])).stdout) as {
    services: Record<string, { ports?: unknown }>;
  };
  for (const service of Object.values(merged.services)) delete service.ports;
  // JSON is YAML too, and leaves no doubt about values such as restart: "no".
  const path = join(netns.dir, 'docker-compose.rendered.yml');
  writeFileSync(path, JSON.stringify(merged, null, 2));
  return path;
}
const containerOf = (service: string) => `${env.COMPOSE_PROJECT_NAME}_${service}_1`;

/** The README's compose walkthrough: the shell block after the line that starts with "Try it". */
function readmeWalkthrough(): string {
  const readme = readRepoFile('README.md');
  const match = /^Try it\b(?:.+\n)+\n```sh\n([\s\S]*?)\n```/m.exec(readme);
  assert.ok(match, 'README.md has a paragraph starting "Try it" followed by a ```sh block');
  return match[1]!;
}

/** Start, health and exit of each service's container, from the engine's own event log. */
async function timeline(): Promise<void> {
  const result = await engine.docker([
    'events',
    '--since',
    String(since),
    '--until',
    String(Math.ceil(Date.now() / 1000)),
    '--filter',
    'type=container',
    '--format',
    '{{json .}}',
  ]);
  for (const line of result.stdout.split('\n').filter(Boolean)) {
    const event = JSON.parse(line) as { status: string; timeNano: number; Actor: { Attributes: Record<string, string> } };
    const service = event.Actor.Attributes['com.docker.compose.service'];
    if (service) events.push({ service, status: event.status, time: event.timeNano / 1e6 });
  }
}
const first = (service: string, status: string) => {
  const found = events.find((e) => e.service === service && e.status === status);
  assert.ok(found, `${service}: an event "${status}"`);
  return found.time;
};

before(async () => {
  // The images are built with the host's network (npm ci reaches the registry), by the engine in
  // the host's namespace; then the same engine state serves the namespace.
  const builder = await startEngine();
  try {
    base = await ensureBase(builder);
    await buildImages(builder, base);
  } finally {
    await builder.stop();
  }
  netns = new Netns();
  await netns.create();
  await netns.startMariaDb(env.MYSQL_ROOT_PASSWORD!);
  await netns.startRabbitMq(env.RABBITMQ_DEFAULT_USER!, env.RABBITMQ_DEFAULT_PASS!);
  await netns.startRedis();
  engine = await startEngine({ netns: netns.name });
  rendered = await renderWithoutPorts();
  since = Math.floor(Date.now() / 1000);
  const upStarted = Date.now();
  await compose([rendered], ['down', '--volumes', '--remove-orphans'], 120_000);
  up = await compose([rendered], ['up', '--detach', '--no-build', ...SERVICES], 600_000, false);
  if (up.code !== 0) {
    const logsOf = await Promise.all(SERVICES.map(async (s) => `--- ${s}\n${await logs(engine, containerOf(s))}`));
    throw new Error(`docker-compose up exited ${up.code}:\n${up.stderr.slice(-3000)}\n${logsOf.join('\n')}`);
  }
  // `up` returns once the last service started; the consumers and seed may still be on their way.
  const deadline = Date.now() + 240_000;
  for (;;) {
    const states = await Promise.all(SERVICES.map(async (s) => [s, await state(engine, containerOf(s))] as const));
    const pending = states.filter(([s, st]) => (LONG_RUNNING.includes(s) ? st.Health?.Status !== 'healthy' : st.Status !== 'exited'));
    const failed = states.filter(([s, st]) =>
      LONG_RUNNING.includes(s) ? st.Status !== 'running' : st.Status === 'exited' && st.ExitCode !== 0,
    );
    if (failed.length > 0)
      throw new Error(
        `${failed.map(([s]) => s).join(', ')} failed:\n${(await Promise.all(failed.map(([s]) => logs(engine, containerOf(s))))).join('\n')}`,
      );
    if (pending.length === 0) {
      readyAfterMs = Date.now() - upStarted;
      break;
    }
    if (Date.now() > deadline)
      throw new Error(
        `not ready after 240 s: ${pending.map(([s, st]) => `${s} (${st.Status}, ${st.Health?.Status ?? 'no health'})`).join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  walkthrough = await netns.run('bash', ['-e', '-o', 'pipefail', '-c', readmeWalkthrough()], { check: false, timeoutMs: 180_000 });
});

after(async () => {
  if (engine) {
    if (rendered) await compose([rendered], ['down', '--volumes', '--remove-orphans', '--timeout', '30'], 180_000).catch(() => undefined);
    await engine.stop();
  }
  if (netns) await netns.destroy();
});

describe("docker-compose.yml, run with docker-compose and this machine's override", () => {
  test('brings up provision, migrate, seed, both APIs and both consumers', (t) => {
    t.diagnostic(`stand-in base image: ${base.image}; up and healthy in ${(readyAfterMs / 1000).toFixed(0)} s`);
    assert.equal(up.code, 0, up.stderr);
  });

  test('every long-running service becomes healthy by its own compose healthcheck', async () => {
    for (const service of LONG_RUNNING) assert.equal((await state(engine, containerOf(service))).Health?.Status, 'healthy', service);
  });

  test('provision makes the schemas and users, migrate applies both schemas, seed creates the development users, each exiting 0', async () => {
    for (const service of ['provision', 'migrate', 'seed']) assert.equal((await state(engine, containerOf(service))).ExitCode, 0, service);
    assert.match(await logs(engine, containerOf('provision')), /provision: done/);
    assert.match(await logs(engine, containerOf('migrate')), /main .*applied[\s\S]*admin .*applied|admin .*applied[\s\S]*main .*applied/);
    assert.match(await logs(engine, containerOf('seed')), /admin users: 8 created/);
    assert.match(await logs(engine, containerOf('seed')), /demo catalogue: \d+ products created/);
  });

  test('starts in the order depends_on sets: servers healthy, provision and migrate done, admin healthy, then the rest', async () => {
    await timeline();
    const serversHealthy = Math.max(first('mysql', 'health_status: healthy'), first('rabbitmq', 'health_status: healthy'));
    const migrateDone = first('migrate', 'die');
    const adminHealthy = first('admin-service', 'health_status: healthy');
    assert.ok(first('provision', 'start') >= serversHealthy, 'provision waits for mysql and rabbitmq to be healthy');
    assert.ok(first('migrate', 'start') >= first('provision', 'die'), 'migrate waits for provision to complete');
    for (const service of LONG_RUNNING) assert.ok(first(service, 'start') >= migrateDone, `${service} starts after migrate completed`);
    for (const service of ['main-service', 'seed'])
      assert.ok(first(service, 'start') >= adminHealthy, `${service} starts after admin-service is healthy`);
    assert.ok(first('main-consumer', 'start') >= first('main-service', 'start'), 'main-consumer starts after main-service');
  });

  test("the README's walkthrough, as printed, works against it (curl and sed only)", (t) => {
    for (const line of walkthrough.stdout.split('\n').filter(Boolean)) t.diagnostic(line.slice(0, 160));
    assert.equal(walkthrough.code, 0, `${walkthrough.stdout}\n${walkthrough.stderr}`);
    assert.match(walkthrough.stdout, /"title":"Lamp"/, 'main lists the lamp admin created');
    assert.match(walkthrough.stdout, /"likes":1\b/, "admin counts alice's like");
  });

  test('the consumers serve their probes and metrics on 5001 and 8001', async () => {
    for (const port of [5001, 8001]) {
      assert.equal(
        (await netns.run('curl', ['-sf', '-o', '/dev/null', `http://127.0.0.1:${port}/readyz`], { check: false })).code,
        0,
        `${port}/readyz`,
      );
      const metrics = await netns.run('curl', ['-sf', `http://127.0.0.1:${port}/metrics`]);
      assert.match(metrics.stdout, /catalogue_events_consumed_total/, `${port}/metrics`);
    }
  });

  // Last: it stops them, each with the time between SIGTERM and SIGKILL the file gives it
  // (stop_grace_period, 10 s unless set).
  test('docker-compose stop: every service drains and exits 0 on SIGTERM within its stop grace period', async (t) => {
    const started = Date.now();
    await compose([rendered], ['stop'], 180_000);
    t.diagnostic(`stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const service of LONG_RUNNING) {
      const stopped = await state(engine, containerOf(service));
      assert.equal(stopped.Status, 'exited', service);
      assert.equal(stopped.ExitCode, 0, `${service}:\n${await logs(engine, containerOf(service))}`);
    }
  });
});
