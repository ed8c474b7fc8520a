import { spans } from '../support/memory-tracing'; // first: instrumentation must load before the services
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import request from 'supertest';
import { eventually } from '@catalogue/shared/testing';
import { startSystem, type SystemUnderTest } from '../support/system';

let system: SystemUnderTest;

before(async () => {
  system = await startSystem();
});
after(() => system.stop());

const OUR_SCOPE = '@catalogue/messaging';

const attr = (span: ReadableSpan, ...names: string[]): unknown => names.map((n) => span.attributes[n]).find((v) => v !== undefined);
/** A string attribute's value ('' when absent). */
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function byId(): Map<string, ReadableSpan> {
  return new Map(spans.getFinishedSpans().map((s) => [s.spanContext().spanId, s]));
}

/** The span, its parent, its parent's parent... up to the root (as far as finished spans go). */
function lineage(span: ReadableSpan): ReadableSpan[] {
  const index = byId();
  const chain = [span];
  for (let parent = span.parentSpanContext?.spanId; parent;) {
    const next = index.get(parent);
    if (!next) break;
    chain.push(next);
    parent = next.parentSpanContext?.spanId;
  }
  return chain;
}

const describeChain = (chain: ReadableSpan[]) =>
  chain.map((s) => `${SpanKind[s.kind]} ${s.name} [${s.instrumentationScope.name}]`).join(' <- ');

/** A database statement of one service's schema matching `statement`, in a finished span. */
function statementSpans(database: string, statement: RegExp): ReadableSpan[] {
  return spans
    .getFinishedSpans()
    .filter(
      (s) =>
        s.kind === SpanKind.CLIENT &&
        attr(s, 'db.namespace', 'db.name') === database &&
        statement.test(text(attr(s, 'db.query.text', 'db.statement'))),
    );
}

const isServerSpan = (span: ReadableSpan, method: string, path: RegExp) =>
  span.kind === SpanKind.SERVER &&
  attr(span, 'http.request.method', 'http.method') === method &&
  path.test(text(attr(span, 'url.path', 'http.target')));

const ours = (span: ReadableSpan, kind: SpanKind) => span.instrumentationScope.name === OUR_SCOPE && span.kind === kind;

const tokenFor = (user: string) => system.tokenFor(user, 'customer');

async function productInBoth(title: string): Promise<number> {
  const res = await system.admin.api.post('/api/products').send({ title, image: 'https://img.example/t.png' }).expect(201);
  const id = res.body.id as number;
  await eventually(async () => (await request(system.main.app).get(`/api/products/${id}`)).status === 200, { what: 'the product in main' });
  return id;
}

/** Admin's counter update: the one-like form, or the batch form (a delivery alone takes it too; decision 0025). */
const COUNTER_UPDATE = /UPDATE products SET likes = likes \+ (\?|CASE id)/;

describe('one trace per change, across both services and RabbitMQ', () => {
  test('a like: main HTTP request -> outbox -> publish -> admin consume -> the counter update, parent to child', async () => {
    const id = await productInBoth('Traced lamp');
    const res = await request(system.main.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('tracer')}`)
      .expect(200);
    const likeId = res.body.like.id as string;

    const update = await eventually(
      async () =>
        statementSpans(system.databases.admin, COUNTER_UPDATE).find((s) =>
          lineage(s).some((p) => ours(p, SpanKind.CONSUMER) && p.attributes['messaging.message.id'] === likeId),
        ),
      { what: "admin's counter update under the like's consumer span" },
    );
    const chain = lineage(update);
    const consume = chain.find((s) => ours(s, SpanKind.CONSUMER))!;
    const publish = chain.find((s) => ours(s, SpanKind.PRODUCER));
    const http = chain.find((s) => isServerSpan(s, 'POST', new RegExp(`/api/products/${id}/like$`)));
    assert.ok(publish, `the relay's publish is an ancestor: ${describeChain(chain)}`);
    assert.ok(http, `main's HTTP request is an ancestor: ${describeChain(chain)}`);
    assert.ok(chain.indexOf(consume) < chain.indexOf(publish) && chain.indexOf(publish) < chain.indexOf(http), describeChain(chain));
    assert.equal(new Set(chain.map((s) => s.spanContext().traceId)).size, 1, 'one trace');
    // The message carries the relay's own context: the consumer's parent is our publish.
    assert.equal(chain[chain.indexOf(publish) - 1]?.kind, SpanKind.CONSUMER, describeChain(chain));
    // The request starts the trace (the test's own call is outside any span, so it is not traced).
    assert.deepEqual(
      chain.slice(chain.indexOf(http) + 1).map((s) => s.kind),
      [],
      'nothing above the request',
    );

    assert.equal(publish.attributes['messaging.system'], 'rabbitmq');
    assert.equal(publish.attributes['messaging.message.id'], likeId);
    assert.equal(publish.attributes['messaging.destination.name'], system.topology.mainExchange);
    assert.equal(consume.attributes['messaging.operation.type'], 'process');
    assert.equal(consume.attributes['messaging.rabbitmq.destination.routing_key'], 'product_liked');

    // The like's own write in main (its outbox row) belongs to the same request.
    const outboxInsert = statementSpans(system.databases.main, /INSERT INTO outbox/).find(
      (s) => s.spanContext().traceId === http.spanContext().traceId,
    );
    assert.ok(outboxInsert, "main's outbox insert is in the like's trace");
    assert.ok(lineage(outboxInsert).includes(http));
  });

  test('a product change: admin HTTP request -> outbox -> publish -> main consume -> the copy written, parent to child', async () => {
    const res = await system.admin.api
      .put(`/api/products/${await productInBoth('Before')}`)
      .send({ title: 'Traced after', image: 'https://img.example/t2.png' })
      .expect(202);
    const id = res.body.id as number;

    const write = await eventually(
      async () =>
        statementSpans(system.databases.main, /products/).find(
          (s) =>
            lineage(s).some(
              (p) => ours(p, SpanKind.CONSUMER) && p.attributes['messaging.rabbitmq.destination.routing_key'] === 'product_updated',
            ) && lineage(s).some((p) => isServerSpan(p, 'PUT', new RegExp(`/api/products/${id}$`))),
        ),
      { what: "main's write of the update, under admin's PUT request" },
    );
    const chain = lineage(write);
    const kinds = chain
      .map((s) =>
        ours(s, SpanKind.CONSUMER) ? 'consume' : ours(s, SpanKind.PRODUCER) ? 'publish' : isServerSpan(s, 'PUT', /./) ? 'http' : null,
      )
      .filter(Boolean);
    assert.deepEqual(kinds, ['consume', 'publish', 'http'], describeChain(chain));
    // Named by its route template (no Express or NestJS instrumentation: docs/decisions/0026).
    const http = chain.find((s) => isServerSpan(s, 'PUT', /./))!;
    assert.equal(http.name, 'PUT /api/products/:id', describeChain(chain));
    assert.equal(http.attributes['http.route'], '/api/products/:id');
    assert.equal(new Set(chain.map((s) => s.spanContext().traceId)).size, 1, 'one trace');
  });

  test("a caller's trace is continued, and an oversized tracestate never fails the like", async () => {
    const id = await productInBoth('Caller traced');
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
    const tracestate = Array.from({ length: 32 }, (_, i) => `vendor${i}=${'x'.repeat(200)}`).join(',');
    const res = await request(system.main.app)
      .post(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('caller')}`)
      .set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`)
      .set('tracestate', tracestate)
      .expect(200);
    const likeId = res.body.like.id as string;
    const consume = await eventually(
      async () => spans.getFinishedSpans().find((s) => ours(s, SpanKind.CONSUMER) && s.attributes['messaging.message.id'] === likeId),
      { what: "admin's consumer span for the like" },
    );
    assert.equal(consume.spanContext().traceId, traceId);
  });

  test('probes and scrapes make no traces', async () => {
    const before = spans.getFinishedSpans().length;
    await request(system.main.app).get('/metrics').expect(200);
    await request(system.main.app).get('/ready').expect(200);
    const probes = spans
      .getFinishedSpans()
      .slice(before)
      .filter((s) => s.kind === SpanKind.SERVER && /\/(metrics|ready)$/.test(text(attr(s, 'url.path', 'http.target'))));
    assert.deepEqual(probes, []);
  });
});
