import { spans } from '../support/memory-tracing-unsampled'; // first: instrumentation must load before the services; a rate of 0

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import request from 'supertest';
import { createEvent, EventTypes } from '@catalogue/shared';
import { eventually, publishRaw } from '@catalogue/shared/testing';
import { startMain, tokenFor, type MainUnderTest } from '@catalogue/main-service/dist/test-support';

/**
 * With a sampling rate below 100%, a client that sends `traceparent: ...-01` on every request
 * would otherwise have every one of them traced (parent-based sampling trusts the flag): the cost
 * of tracing, and of the collector, in the client's hands. Our own messages keep their trace.
 */
let main: MainUnderTest;
before(async () => {
  main = await startMain({ LIKES_PER_MINUTE_PER_ADDRESS: '100000', LIKES_PER_MINUTE_PER_USER: '100000' });
  await main.messaging.ready();
  await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (1, 'Lamp', 'https://img.example/1.png', 1)");
});
after(() => main.stop());

const forced = (i: number) => `00-${(i + 1).toString(16).padStart(32, '0')}-00f067aa0ba902b7-01`;

describe('trace sampling at the public edge', () => {
  test("a client forcing 'sampled' on every request gets none of them traced at a rate of 0", async () => {
    spans.reset();
    const token = `Bearer ${await tokenFor('forcing-client')}`;
    for (let i = 0; i < 30; i++) {
      await request(main.app).get('/api/products').set('traceparent', forced(i)).expect(200);
      await request(main.app)
        .get('/api/products/1')
        .set('traceparent', forced(100 + i))
        .expect(200);
    }
    await request(main.app).post('/api/products/1/like').set('Authorization', token).set('traceparent', forced(999)).expect(200);
    assert.deepEqual(
      spans
        .getFinishedSpans()
        .filter((s) => s.kind === SpanKind.SERVER || s.kind === SpanKind.CLIENT)
        .map((s) => `${SpanKind[s.kind]} ${s.name}`),
      [],
      'nothing the forced requests did was recorded',
    );
  });

  test("an event from admin (over RabbitMQ, from our own publisher) keeps its producer's decision: main's work is in that trace", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const event = createEvent(EventTypes.ProductCreated, { id: 2, title: 'Traced chair', image: 'https://img.example/2.png', version: 1 });
    // As admin's relay publishes: with the traceparent of the trace its outbox row stored.
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    await publishRaw(main.messaging.topology.adminExchange, event.type, JSON.stringify(event), {
      messageId: event.id,
      type: event.type,
      headers: { traceparent },
    });
    const consumed = await eventually(
      async () => spans.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER && s.spanContext().traceId === traceId),
      {
        what: "main's consumer span in the publisher's trace",
      },
    );
    assert.equal(consumed.parentSpanContext?.traceId, traceId);
    await eventually(async () => spans.getFinishedSpans().some((s) => s.kind === SpanKind.CLIENT && s.spanContext().traceId === traceId), {
      what: "the consumer's SQL in the same trace",
    });
  });
});
