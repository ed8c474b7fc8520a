import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { eventually, freePort, startProcess, TEST_DB, type RunningProcess } from '@catalogue/shared/testing';
import { startSystem, type SystemUnderTest } from '../support/system';

/*
 * The operators' view, for real: Debian's Prometheus (installed by .ci/run) scrapes both running
 * services and both consumer processes with the scrape config and alert rules from deploy/prometheus,
 * on a private port and a temporary data directory, and we ask its HTTP API what it saw.
 */
const ROOT = join(__dirname, '..', '..', '..');
const PROMETHEUS_DIR = join(ROOT, 'deploy', 'prometheus');
const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'dashboards', 'catalogue.json');

let system: SystemUnderTest;
const servers: Server[] = [];
const consumers: RunningProcess[] = [];
let prometheus: ChildProcess | undefined;
let prometheusOutput = '';
let prometheusUrl: string;
let workDir: string;
const targets: Record<string, string> = {};

/**
 * A GET that is retried once when the pooled keep-alive connection it went out on was being closed
 * by the server at that moment (ECONNRESET): what browsers and Prometheus do for idempotent requests.
 * Seen on a heavily loaded machine, where the client's idle timer fires late.
 */
async function get(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw err;
    return fetch(url);
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startConsumer(service: 'main' | 'admin'): Promise<string> {
  const port = await freePort();
  const consumer = startProcess(join(ROOT, `${service}-service`, 'dist', 'consumer.js'), {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DB_HOST: TEST_DB.host,
    DB_PORT: String(TEST_DB.port),
    DB_USER: TEST_DB.user,
    DB_PASSWORD: TEST_DB.password,
    DB_NAME: system.databases[service],
    AMQP_NAMESPACE: system.namespace,
    OPS_PORT: String(port),
  });
  consumers.push(consumer);
  const target = `127.0.0.1:${port}`;
  await eventually(async () => (await get(`http://${target}/ready`).catch(() => undefined))?.ok, {
    timeoutMs: 30_000,
    what: `${service} consumer; output: ${consumer.output()}`,
  });
  return target;
}

/** The deploy config with compose host names swapped for this test's ports and a 1s scrape interval. */
function testConfig(): string {
  const names: Record<string, string> = {
    'main-service:5000': targets.main!,
    'admin-service:8000': targets.admin!,
    'main-consumer:5001': targets.mainConsumer!,
    'admin-consumer:8001': targets.adminConsumer!,
  };
  let config = readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8');
  for (const [name, target] of Object.entries(names)) {
    assert.ok(config.includes(`"${name}"`), `prometheus.yml scrapes ${name}`);
    config = config.replace(`"${name}"`, `"${target}"`);
  }
  return config.replace(/scrape_interval: \S+/, 'scrape_interval: 1s').replace(/evaluation_interval: \S+/, 'evaluation_interval: 1s');
}

async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await get(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { input, encoding: 'utf8' });
  if (run.error)
    throw new Error(`promtool could not run (is Debian's prometheus package installed? .ci/run installs it): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

before(async () => {
  system = await startSystem();
  targets.main = await listen(system.main.app.listen(0, '127.0.0.1'));
  // startSystem already has admin listening (main fetches its JWKS); it closes that server itself.
  targets.admin = `127.0.0.1:${((system.admin.http as Server).address() as AddressInfo).port}`;
  targets.mainConsumer = await startConsumer('main');
  targets.adminConsumer = await startConsumer('admin');

  workDir = mkdtempSync(join(tmpdir(), 'catalogue-prometheus-'));
  writeFileSync(join(workDir, 'prometheus.yml'), testConfig());
  copyFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), join(workDir, 'alerts.yml'));
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (chunk: Buffer) => (prometheusOutput += chunk.toString()));
  prometheus.stderr?.on('data', (chunk: Buffer) => (prometheusOutput += chunk.toString()));
  prometheus.once('error', (err) => (prometheusOutput += `\nspawn failed: ${err.message}`));
  await eventually(async () => (await get(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok, {
    timeoutMs: 30_000,
    what: `Prometheus to be ready; output: ${prometheusOutput.slice(-2000)}`,
  });
});

after(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
    prometheus.kill('SIGTERM');
    await exited;
  }
  await Promise.all(consumers.map((c) => c.stop()));
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await system?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('a real Prometheus scraping both services with deploy/prometheus', () => {
  test('all four targets (two APIs, two consumers) are up', async () => {
    const up = await eventually(
      async () => {
        const res = (await (await get(`${prometheusUrl}/api/v1/targets?state=active`)).json()) as {
          data: { activeTargets: { scrapeUrl: string; health: string; labels: Record<string, string>; lastError: string }[] };
        };
        const active = res.data.activeTargets;
        return active.length === 4 && active.every((t) => t.health === 'up') ? active : undefined;
      },
      { timeoutMs: 20_000, what: 'every target up' },
    );
    assert.deepEqual(up.map((t) => t.labels.job).sort(), ['catalogue-api', 'catalogue-api', 'catalogue-consumer', 'catalogue-consumer']);
    const services = await query('count by (service, job) (catalogue_process_start_time_seconds)');
    assert.deepEqual(services.map((r) => `${r.metric.job}/${r.metric.service}`).sort(), [
      'catalogue-api/admin',
      'catalogue-api/main',
      'catalogue-consumer/admin',
      'catalogue-consumer/main',
    ]);
  });

  test('a like shows up in the likes counter, and its event is counted as consumed by admin', async () => {
    const created = await system.admin.api.post('/api/products').send({ title: 'Scraped', image: 'https://img.example/s.png' }).expect(201);
    const id = created.body.id as number;
    await eventually(async () => (await request(system.main.app).get(`/api/products/${id}`)).status === 200, {
      what: 'the product in main',
    });
    const likedBefore = Number((await query('sum(catalogue_likes_accepted_total{service="main"})'))[0]?.value[1] ?? 0);
    const token = await system.tokenFor('scraped', 'customer');
    await request(system.main.app).post(`/api/products/${id}/like`).set('Authorization', `Bearer ${token}`).expect(200);

    await eventually(
      async () => Number((await query('sum(catalogue_likes_accepted_total{service="main"})'))[0]?.value[1] ?? 0) === likedBefore + 1,
      {
        timeoutMs: 20_000,
        what: 'the like in Prometheus',
      },
    );
    await eventually(
      async () =>
        Number((await query('sum(catalogue_events_consumed_total{service="admin", event_type="product_liked"})'))[0]?.value[1] ?? 0) >= 1,
      {
        timeoutMs: 20_000,
        what: "admin's consumption of the like in Prometheus",
      },
    );
  });

  test('the alert rules are loaded and, with everything healthy, none fires', async () => {
    type Rule = { name: string; state: string; health: string; lastError?: string };
    const rules = await eventually(
      async () => {
        const res = (await (await get(`${prometheusUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: Rule[] }[] } };
        const all = res.data.groups.flatMap((g) => g.rules);
        return all.length > 0 && all.every((r) => r.health === 'ok') ? all : undefined;
      },
      { timeoutMs: 20_000, what: 'every rule evaluated without error' },
    );
    assert.deepEqual(rules.map((r) => r.name).sort(), [
      'CatalogueConsumerLagHigh',
      'CatalogueDatabaseLoginRefused',
      'CatalogueDeadLetters',
      'CatalogueDependencyBreakerOpen',
      'CatalogueEventsUnroutable',
      'CatalogueHighErrorRate',
      'CatalogueHighLatency',
      'CatalogueLiveStreamDelayHigh',
      'CatalogueLiveStreamsNearCapacity',
      'CatalogueOutboxBacklogStale',
      'CatalogueServiceDown',
      'CatalogueTransactionsFailing',
    ]);
    // `pending` is a threshold crossed for less than the rule's `for` (this test's own requests are slow
    // on a loaded machine); an alert that fires is what pages someone.
    assert.deepEqual(
      rules.filter((r) => r.state === 'firing').map((r) => `${r.name}: ${r.state}`),
      [],
    );
  });
});

describe('promtool', () => {
  for (const [name, target] of [
    ['main-service', () => `http://${targets.main}/metrics`],
    ['admin-service', () => `http://${targets.admin}/metrics`],
    ["main's consumer", () => `http://${targets.mainConsumer}/metrics`],
    ["admin's consumer", () => `http://${targets.adminConsumer}/metrics`],
  ] as const) {
    test(`check metrics passes on a real scrape of ${name}`, async () => {
      const scrape = await (await get(target())).text();
      assert.match(scrape, /catalogue_http_server_requests_total|catalogue_events_consumed_total/);
      const { status, output } = promtool(['check', 'metrics'], scrape);
      assert.equal(status, 0, output);
    });
  }

  test('the alert rules pass their unit tests (promtool test rules alerts.test.yml)', () => {
    const { status, output } = promtool(['test', 'rules', join(PROMETHEUS_DIR, 'alerts.test.yml')]);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
  });

  test('the scrape config and its rules are valid', () => {
    const { status, output } = promtool(['check', 'config', join(PROMETHEUS_DIR, 'prometheus.yml')]);
    assert.equal(status, 0, output);
  });
});

describe('what the dashboard and the alerts query exists', () => {
  test('every catalogue_* series named in the Grafana dashboard and the alert rules is exposed by a service', async () => {
    const exposed = new Set<string>();
    for (const target of [targets.main, targets.admin]) {
      for (const match of (await (await get(`http://${target}/metrics`)).text()).matchAll(/^# TYPE (\S+) /gm)) exposed.add(match[1]!);
    }
    const dashboard = readFileSync(DASHBOARD, 'utf8');
    const parsed = JSON.parse(dashboard) as { uid: string; panels: { type: string; datasource?: { uid: string } }[] };
    assert.equal(parsed.uid, 'catalogue');
    assert.ok(
      parsed.panels.filter((p) => p.type !== 'row').every((p) => p.datasource?.uid === 'prometheus'),
      'panels use the provisioned Prometheus data source',
    );
    const referenced = new Set(
      [...`${dashboard}\n${readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')}`.matchAll(/\bcatalogue_[a-z0-9_]+/g)].map((m) =>
        m[0].replace(/_(bucket|count|sum)$/, ''),
      ),
    );
    assert.ok(referenced.size >= 15, `the dashboard covers the metrics (${referenced.size} found)`);
    const missing = [...referenced].filter((name) => !exposed.has(name));
    assert.deepEqual(missing, []);
    const provisioned = readFileSync(join(ROOT, 'deploy', 'grafana', 'provisioning', 'datasources', 'catalogue.yml'), 'utf8');
    assert.match(provisioned, /uid: prometheus/);
  });
});
