import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadAdminConfig } from '@catalogue/admin-service/dist/config';
import { loadMainConfig } from '@catalogue/main-service/dist/config';
import { loadProvisionConfig } from '@catalogue/migrations';
import { defaultPort, REPO_ROOT, servedPaths, sourceOfEntry, type Program } from './support/code-facts';
import { unknownEnvNames } from './support/env-check';
import { interpolate, interpolatedNames, readDotenv, readRepoFile, readYaml } from './support/files';

interface ComposeService {
  image?: string;
  hostname?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
}

const compose = readYaml<ComposeFile>('docker-compose.yml');
const envExample = readDotenv('.env.example');
const SERVICES = [
  'mysql',
  'rabbitmq',
  'redis',
  'provision',
  'migrate',
  'seed',
  'main-service',
  'admin-service',
  'main-consumer',
  'admin-consumer',
  'prometheus',
  'grafana',
  'jaeger',
];
const ONE_SHOT = new Set(['provision', 'migrate', 'seed']);
/** Our own processes: which config they are read by, their workspace, and which port they serve probes on. */
const OURS: Record<string, { program: Program; workspace: string; portVar?: 'PORT' | 'OPS_PORT'; service?: 'main' | 'admin' }> = {
  'main-service': { program: 'main', workspace: 'main-service', portVar: 'PORT', service: 'main' },
  'main-consumer': { program: 'main', workspace: 'main-service', portVar: 'OPS_PORT', service: 'main' },
  'admin-service': { program: 'admin', workspace: 'admin-service', portVar: 'PORT', service: 'admin' },
  'admin-consumer': { program: 'admin', workspace: 'admin-service', portVar: 'OPS_PORT', service: 'admin' },
  seed: { program: 'admin', workspace: 'admin-service' },
  migrate: { program: 'migrate', workspace: 'migrations' },
  provision: { program: 'provision', workspace: 'migrations' },
};
const SECRET_NAME = /PASSWORD|PASS$|SECRET|TOKEN|_KEY$/;

const service = (name: string): ComposeService => {
  const found = compose.services[name];
  assert.ok(found, `compose service ${name} exists`);
  return found;
};
const resolvedEnv = (name: string) =>
  Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, interpolate(String(value), envExample)]));

describe('docker-compose.yml', () => {
  test('passes dclint, which validates it against the compose specification schema', () => {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/dclint/bin/dclint.cjs'), 'docker-compose.yml', '-f', 'json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    const reports = JSON.parse(run.stdout) as { messages: { rule: string; type: string; message: string }[] }[];
    const problems = reports.flatMap((r) => r.messages).filter((m) => m.type === 'error');
    assert.deepEqual(problems, []);
    assert.equal(run.status, 0, run.stderr);
  });

  test('has every service of the system, under the agreed names', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), [...SERVICES].sort());
  });

  test('every long-running service has a healthcheck in exec form', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (ONE_SHOT.has(name)) continue;
      assert.ok(svc.healthcheck?.test, `${name} has a healthcheck`);
      assert.ok(['CMD', 'CMD-SHELL'].includes(svc.healthcheck.test[0]!), `${name}: healthcheck test is a list`);
    }
  });

  test('our processes are probed by node itself: the images have no wget or curl', () => {
    for (const [name, facts] of Object.entries(OURS)) {
      if (!facts.portVar) continue;
      assert.deepEqual(service(name).healthcheck?.test?.slice(0, 3), ['CMD', 'node', '-e'], name);
    }
  });

  test('seed, a one-shot job of the admin image, neither inherits the API healthcheck nor reports as admin-service', () => {
    assert.equal(service('seed').healthcheck?.disable, true);
    const otelName = resolvedEnv('seed').OTEL_SERVICE_NAME;
    assert.ok(otelName && otelName !== resolvedEnv('admin-service').OTEL_SERVICE_NAME, `seed traces as ${otelName}`);
  });

  test('RabbitMQ has a fixed hostname: its node name, and so its data folder, survive recreating the container', () => {
    assert.match(service('rabbitmq').hostname ?? '', /^[a-z][a-z0-9-]*$/);
  });

  test('publishes no database or AMQP port (the services reach them by name; a local MySQL or RabbitMQ keeps 3306 and 5672)', () => {
    const published = Object.values(compose.services).flatMap((svc) => (svc.ports ?? []).map((p) => p.split(':').at(-1)));
    for (const port of ['3306', '5672']) assert.ok(!published.includes(port), `${port} is not published`);
  });

  test('consumers publish their OPS_PORT (probes and metrics, as the README documents) on loopback', () => {
    for (const name of ['main-consumer', 'admin-consumer']) {
      const port = resolvedEnv(name).OPS_PORT;
      assert.ok(service(name).ports?.includes(`127.0.0.1:${port}:${port}`), `${name} publishes ${port}`);
      assert.ok(readRepoFile('README.md').includes(port!), `the README names ${port}`);
    }
  });

  test('every service that runs one of our images says how to build it, so compose never tries to pull it', () => {
    const dockerfileOf: Record<string, string> = {
      'main-service': 'main-service/Dockerfile',
      'admin-service': 'admin-service/Dockerfile',
      migrations: 'migrations/Dockerfile',
    };
    for (const [name, svc] of Object.entries(compose.services)) {
      const ours = /^catalogue\/([a-z-]+):/.exec(svc.image ?? '');
      if (!ours) continue;
      assert.deepEqual(svc.build, { context: '.', dockerfile: dockerfileOf[ours[1]!] }, `${name} builds ${svc.image}`);
    }
  });

  test("has no top-level name (Debian's docker-compose 1.29 refuses it); .env.example names the project instead", () => {
    assert.equal(compose.name, undefined);
    assert.match(envExample.COMPOSE_PROJECT_NAME ?? '', /^[a-z0-9][a-z0-9_-]*$/);
  });

  test('starts in order: provision once MySQL and RabbitMQ are healthy, then migrate, then the services; seed waits for admin', () => {
    assert.equal(service('provision').depends_on?.mysql?.condition, 'service_healthy');
    assert.equal(service('provision').depends_on?.rabbitmq?.condition, 'service_healthy');
    assert.equal(service('migrate').depends_on?.mysql?.condition, 'service_healthy');
    assert.equal(
      service('migrate').depends_on?.provision?.condition,
      'service_completed_successfully',
      'migrate runs as the user provision made',
    );
    for (const name of ['main-service', 'main-consumer', 'admin-service', 'admin-consumer']) {
      const deps = service(name).depends_on ?? {};
      assert.equal(deps.mysql?.condition, 'service_healthy', `${name} waits for mysql`);
      assert.equal(deps.rabbitmq?.condition, 'service_healthy', `${name} waits for rabbitmq`);
      assert.equal(deps.provision?.condition, 'service_completed_successfully', `${name} waits for provision`);
      assert.equal(deps.migrate?.condition, 'service_completed_successfully', `${name} waits for migrate`);
    }
    assert.equal(service('seed').depends_on?.['admin-service']?.condition, 'service_healthy');
  });

  test('holds no credential: every secret-looking value is interpolated from .env, and .env.example defines each one', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(svc.environment ?? {})) {
        if (SECRET_NAME.test(key)) assert.match(String(value), /^\$\{[A-Z0-9_]+(:\?[^}]*)?\}$/, `${name}.${key} comes from .env`);
        if (key === 'RABBITMQ_URL') {
          const prefix = OURS[name]?.program === 'main' ? 'MAIN' : 'ADMIN';
          assert.deepEqual(
            interpolatedNames(String(value)),
            [`${prefix}_BROKER_USER`, `${prefix}_BROKER_PASSWORD`],
            `${name} connects as its own broker user`,
          );
        }
      }
    }
    const required = [...readRepoFile('docker-compose.yml').matchAll(/\$\{([A-Z][A-Z0-9_]*):\?/g)].map((m) => m[1]!);
    assert.ok(required.length > 0);
    for (const name of required) assert.ok(name in envExample, `.env.example defines ${name}`);
  });

  test('gives our processes only variables their code reads', () => {
    for (const [name, facts] of Object.entries(OURS)) {
      assert.deepEqual(unknownEnvNames(facts.program, Object.keys(service(name).environment ?? {})), [], name);
    }
  });

  test('with the values of .env.example, each service config validates and listens where compose publishes and probes', () => {
    const configs = {
      'main-service': loadMainConfig(resolvedEnv('main-service')),
      'admin-service': loadAdminConfig(resolvedEnv('admin-service')),
      'main-consumer': loadMainConfig({ ...resolvedEnv('main-consumer'), RUN_HTTP: 'false' }),
      'admin-consumer': loadAdminConfig({ ...resolvedEnv('admin-consumer'), RUN_HTTP: 'false' }),
      seed: loadAdminConfig(resolvedEnv('seed')),
    };
    assert.equal(configs['main-service'].PORT, defaultPort('main', 'PORT'));
    assert.equal(configs['admin-service'].PORT, defaultPort('admin', 'PORT'));
    assert.equal(configs['main-service'].NODE_ENV, 'development', "development mode, so the README's curl examples work");
    for (const name of ['main-service', 'main-consumer'] as const) {
      assert.deepEqual(
        configs[name].tokenKey,
        {
          kind: 'jwks',
          url: 'http://admin-service:8000/.well-known/jwks.json',
          timeoutMs: configs[name].ADMIN_TIMEOUT_MS,
          cooldownMs: configs[name].JWT_JWKS_COOLDOWN_SECONDS * 1000,
          maxAgeMs: configs[name].JWT_JWKS_MAX_AGE_SECONDS * 1000,
        },
        `${name} verifies with admin's JWKS`,
      );
      assert.equal(configs[name].DEV_RANDOM_USER, false, `${name}: likes need a token, as in production`);
    }
    assert.ok(servedPaths('admin').has('/.well-known/jwks.json'), 'admin serves the JWKS');
    for (const [name, config] of Object.entries(configs)) {
      assert.equal(config.AMQP_DECLARE_TOPOLOGY, false, `${name} connects as its own broker user and declares nothing: provision did`);
    }
    assert.equal(configs['main-service'].RUN_CONSUMER, false, 'the API leaves consuming to main-consumer');
    assert.equal(configs['admin-service'].RUN_CONSUMER, false, 'the API leaves consuming to admin-consumer');
    assert.equal(configs['main-service'].ADMIN_URL, 'http://admin-service:8000', 'main reaches admin by its compose name');
    for (const name of ['main-service', 'admin-service'] as const) {
      const port = String(configs[name].PORT);
      assert.ok(service(name).ports?.includes(`127.0.0.1:${port}:${port}`), `${name} publishes its PORT on loopback`);
    }
  });

  test('client addresses: nothing stands in front of either API, so neither trusts X-Forwarded-For; both read the one CLIENT_ADDRESS_SECRET', () => {
    for (const name of ['main-service', 'admin-service', 'main-consumer', 'admin-consumer']) {
      const env = resolvedEnv(name);
      assert.ok(env.TRUST_PROXY_HOPS === undefined || env.TRUST_PROXY_HOPS === '0', `${name} trusts no proxy hop`);
      assert.equal(
        service(name).environment?.CLIENT_ADDRESS_SECRET,
        '${CLIENT_ADDRESS_SECRET:?set in .env}',
        `${name} reads the shared secret from .env`,
      );
    }
    const configs = [loadMainConfig(resolvedEnv('main-service')), loadAdminConfig(resolvedEnv('admin-service'))];
    assert.deepEqual(configs[0].CLIENT_ADDRESS_SECRET, configs[1].CLIENT_ADDRESS_SECRET);
  });

  test('healthchecks of our processes probe readiness (/readyz), a route the code serves, on the port the process listens on', () => {
    for (const [name, facts] of Object.entries(OURS)) {
      if (!facts.portVar || !facts.service) continue;
      const url = new URL(service(name).healthcheck!.test!.at(-1)!);
      const env = resolvedEnv(name);
      assert.equal(url.port, env[facts.portVar], `${name} probes ${facts.portVar}`);
      assert.equal(
        Number(env[facts.portVar]),
        defaultPort(facts.program, facts.portVar),
        `${name}: ${facts.portVar} is the code's default`,
      );
      // depends_on: service_healthy then waits for what the process needs to do its job.
      assert.equal(url.pathname, '/readyz', `${name} probes readiness`);
      const paths = servedPaths(facts.service);
      assert.ok(paths.has(url.pathname), `${name}: ${url.pathname} is served`);
    }
  });

  test('commands run entry points that exist, and builds use Dockerfiles that exist', () => {
    for (const [name, facts] of Object.entries(OURS)) {
      const command = service(name).command;
      if (command) {
        assert.equal(command[0], 'node', `${name} runs node directly`);
        assert.ok(
          existsSync(join(REPO_ROOT, sourceOfEntry(facts.workspace, command[1]!))),
          `${name}: ${command[1]} is built from a source file`,
        );
      }
    }
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.build) assert.ok(existsSync(join(REPO_ROOT, svc.build.context, svc.build.dockerfile)), `${name}: ${svc.build.dockerfile}`);
    }
    assert.equal(service('main-consumer').image, service('main-service').image, 'main-consumer runs from the main-service image');
    assert.equal(service('admin-consumer').image, service('admin-service').image, 'admin-consumer runs from the admin-service image');
    assert.equal(service('seed').image, service('admin-service').image, 'seed runs from the admin-service image');
  });

  test('provision makes what the services connect as: the same database users and schemas, and the same broker users', () => {
    // On top of the image's own environment (ENV NODE_ENV=production in migrations/Dockerfile): with
    // .env.example copied as the README says, provisioning must accept its placeholder passwords.
    assert.match(readRepoFile('migrations/Dockerfile'), /^ENV NODE_ENV=production$/m);
    const { database, broker } = loadProvisionConfig({ NODE_ENV: 'production', ...resolvedEnv('provision') });
    if (!database || !broker) assert.fail('provision does both the database and the broker');
    assert.equal(database.host, 'mysql');
    assert.equal(new URL(broker.management.url).hostname, 'rabbitmq');
    assert.equal(new URL(broker.management.url).port, '15672');
    assert.equal(broker.management.username, resolvedEnv('rabbitmq').RABBITMQ_DEFAULT_USER, 'as the broker administrator');
    assert.equal(database.admin.password, resolvedEnv('mysql').MYSQL_ROOT_PASSWORD, "as MySQL's root");
    const sides: [string, number, 'main' | 'admin'][] = [
      ['main-service', 0, 'main'],
      ['admin-service', 1, 'admin'],
    ];
    for (const [name, index, side] of sides) {
      const env = resolvedEnv(name);
      const own: { name: string; user: { name: string; password?: string } } = database.schemas[index]!;
      assert.deepEqual(
        [own.name, own.user.name, own.user.password],
        [env.DB_NAME, env.DB_USER, env.DB_PASSWORD],
        `${name}'s database user`,
      );
      const url = new URL(env.RABBITMQ_URL!);
      assert.deepEqual([broker.users[side].name, broker.users[side].password], [url.username, url.password], `${name}'s broker user`);
    }
    const migrate = resolvedEnv('migrate');
    assert.deepEqual(
      [database.migrationUser?.name, database.migrationUser?.password],
      [migrate.MIGRATION_DB_USER, migrate.MIGRATION_DB_PASSWORD],
      'the migration user',
    );
    assert.equal(service('provision').image, service('migrate').image, 'provision runs from the migrations image');
  });

  test('mounts only files that exist', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const volume of svc.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('./')) continue;
        const path = source.slice(2);
        assert.ok(existsSync(join(REPO_ROOT, path)), `${name} mounts ${path}`);
      }
    }
    for (const path of ['deploy/prometheus/prometheus.yml', 'deploy/prometheus/alerts.yml']) {
      assert.ok(
        service('prometheus').volumes?.some((v) => v.startsWith(`./${path}:`)),
        `prometheus mounts ${path}`,
      );
    }
    for (const path of ['deploy/grafana/provisioning', 'deploy/grafana/dashboards']) {
      assert.ok(
        service('grafana').volumes?.some((v) => v.startsWith(`./${path}:`)),
        `grafana mounts ${path}`,
      );
    }
  });

  test('docs/deploy.md lists the start order depends_on gives: each service after everything it waits for', () => {
    const section = readRepoFile('docs/deploy.md').split('What starts, in order')[1]!.split('\n\n|')[0]!;
    const steps = section.split(/\n\d+\. /).slice(1);
    const stepOf = new Map<string, number>();
    steps.forEach((text, index) => {
      for (const [, name] of text.matchAll(/`([a-z-]+)`/g)) if (name! in compose.services && !stepOf.has(name!)) stepOf.set(name!, index);
    });
    assert.deepEqual([...stepOf.keys()].sort(), [...SERVICES].sort(), 'every service has its step');
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const dependency of Object.keys(svc.depends_on ?? {})) {
        assert.ok(
          stepOf.get(dependency)! < stepOf.get(name)!,
          `${name} (step ${stepOf.get(name)! + 1}) comes after ${dependency} (step ${stepOf.get(dependency)! + 1})`,
        );
      }
    }
  });

  test("docs/deploy.md gives the seed's user count", () => {
    const seed = readRepoFile('admin-service/src/seed.ts');
    const users = seed.slice(seed.indexOf('const SEED_USERS'), seed.indexOf('] as const')).match(/\{ email:/g)?.length;
    assert.ok(users && users > 0);
    assert.ok(
      readRepoFile('docs/deploy.md').includes(`\`seed\` (${users} development users`),
      `docs/deploy.md says seed makes ${users} users`,
    );
  });

  test('sends traces to jaeger over OTLP/HTTP', () => {
    for (const name of ['main-service', 'main-consumer', 'admin-service', 'admin-consumer']) {
      assert.equal(resolvedEnv(name).OTEL_EXPORTER_OTLP_ENDPOINT, 'http://jaeger:4318');
    }
  });
});
