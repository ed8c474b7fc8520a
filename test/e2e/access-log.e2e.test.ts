import { spans } from '../support/memory-tracing'; // first: tracing starts before express loads
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import request from 'supertest';
import { buildMainService, type MainService } from '@catalogue/main-service/dist/app';
import type { MainConfig } from '@catalogue/main-service/dist/config';
import { startMain, tokenFor, type MainUnderTest } from '@catalogue/main-service/dist/test-support';
import { createLogger } from '@catalogue/shared';

type Line = Record<string, unknown>;

describe("main's access log (one JSON line per request)", () => {
  let main: MainUnderTest;
  const built: MainService[] = [];

  before(async () => {
    main = await startMain();
    await main.dataSource.query(
      "INSERT INTO products (id, title, image, version) VALUES (880001, 'Logged', 'https://img.example/logged.png', 1)",
    );
  });
  after(async () => {
    for (const service of built) {
      await service.rateLimitCounters.close();
      await service.messaging.stop(1000);
    }
    await main?.stop();
  });

  /** The real app on main's database, logging into memory with these access-log settings. */
  async function appLogging(settings: Partial<MainConfig>): Promise<{ app: MainService['app']; lines: Line[] }> {
    const lines: Line[] = [];
    const logger = createLogger({
      service: 'main-service',
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Line) },
    });
    const service = buildMainService({ ...main.config, LOG_LEVEL: 'info', ...settings }, main.dataSource, logger);
    await service.rateLimitCounters.connect();
    built.push(service);
    return { app: service.app, lines };
  }
  // The response check of the test runner asks each app for its document once: not this test's requests.
  const accessLines = (lines: Line[]) => lines.filter((line) => line.log === 'access' && line.route !== '/api/openapi.json');

  test('names the method, route template, status, duration, bytes, trace id and user, and nothing a request carries', async () => {
    const { app, lines } = await appLogging({ ACCESS_LOG_LEVEL: 'info' });
    const token = await tokenFor('access-user');
    await request(app)
      .get('/api/products/880001?token=query-secret-value')
      .set('authorization', `Bearer ${token}`)
      .set('cookie', 'session=cookie-secret-value')
      .expect(200);
    await request(app)
      .post('/api/products/880001/like')
      .set('authorization', `Bearer ${token}`)
      .set('cookie', 'session=cookie-secret-value')
      .expect(200);
    await request(app).get('/no/such/route/4711').set('authorization', `Bearer ${token}`).expect(404);

    const [read, like, unknown] = accessLines(lines);
    assert.equal(accessLines(lines).length, 3, 'one line per request');
    assert.deepEqual(
      { method: read!.method, route: read!.route, status: read!.status, level: read!.level },
      { method: 'GET', route: '/api/products/:id', status: 200, level: 'info' },
    );
    assert.ok(typeof read!.durationMs === 'number' && read!.durationMs >= 0);
    assert.ok(typeof read!.bytes === 'number' && read!.bytes > 100, `bytes sent (${String(read!.bytes)})`);
    assert.equal(read!.userId, undefined, 'a public route does not identify the caller');
    assert.deepEqual(
      { route: like!.route, status: like!.status, userId: like!.userId },
      { route: '/api/products/:id/like', status: 200, userId: 'access-user' },
    );
    assert.deepEqual(
      { route: unknown!.route, status: unknown!.status },
      { route: 'unmatched', status: 404 },
      'an unmatched path is not logged as sent',
    );

    // The trace id is the request's server span's.
    const serverTraces = new Set(
      spans
        .getFinishedSpans()
        .filter((s) => s.kind === SpanKind.SERVER)
        .map((s) => s.spanContext().traceId),
    );
    assert.match(String(read!.trace_id), /^[0-9a-f]{32}$/);
    assert.ok(serverTraces.has(String(read!.trace_id)), 'the line leads to its trace');

    const written = JSON.stringify(accessLines(lines));
    for (const secret of [token, 'cookie-secret-value', 'query-secret-value', '/no/such/route'])
      assert.ok(!written.includes(secret), `${secret.slice(0, 12)}... is not logged`);
    assert.ok(!/authorization|cookie|headers/i.test(written));
  });

  test('ACCESS_LOG_SAMPLE logs a share of the successful answers and every refusal; ACCESS_LOG_LEVEL=silent logs none', async () => {
    const sampled = await appLogging({ ACCESS_LOG_LEVEL: 'info', ACCESS_LOG_SAMPLE: 0 });
    for (let i = 0; i < 5; i++) await request(sampled.app).get('/api/products/880001').expect(200);
    await request(sampled.app).get('/api/products/not-a-number').expect(400);
    assert.deepEqual(
      accessLines(sampled.lines).map((line) => line.status),
      [400],
    );

    const quiet = await appLogging({ ACCESS_LOG_LEVEL: 'silent' });
    await request(quiet.app).get('/api/products/880001').expect(200);
    await request(quiet.app).get('/api/products/not-a-number').expect(400);
    assert.deepEqual(accessLines(quiet.lines), []);

    // Below LOG_LEVEL, access lines are not written either.
    const debug = await appLogging({ ACCESS_LOG_LEVEL: 'debug' });
    await request(debug.app).get('/api/products/880001').expect(200);
    assert.deepEqual(accessLines(debug.lines), []);
  });
});
