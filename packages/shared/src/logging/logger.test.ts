import { startInMemoryTracing } from '../observability/tracing'; // first, as in the services
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { eventually } from '../testing';
import { createLogger } from './logger';

const spans = startInMemoryTracing('logger-test');

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('the JSON logger', () => {
  test('a line logged inside a span carries its trace id and span id; one outside carries none', async () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: 'test', level: 'info', destination: stream });
    const ids = trace.getTracer('test').startActiveSpan('work', (active) => {
      logger.info('inside');
      active.end();
      return active.spanContext();
    });
    logger.info('outside');
    // Exported once the resource's detectors have answered.
    await eventually(async () => spans.getFinishedSpans().some((s) => s.spanContext().spanId === ids.spanId), {
      what: 'the span, recorded',
    });
    assert.match(ids.traceId, /^[0-9a-f]{32}$/);
    assert.equal(lines[0]?.msg, 'inside');
    assert.equal(lines[0]?.trace_id, ids.traceId);
    assert.equal(lines[0]?.span_id, ids.spanId);
    assert.equal(lines[1]?.msg, 'outside');
    assert.equal(lines[1]?.trace_id, undefined);
  });

  test('the Authorization header and secrets are redacted', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ service: 'test', level: 'info', destination: stream });
    logger.info(
      { req: { headers: { authorization: 'Bearer abc.def.ghi' } }, password: 'hunter2', config: { JWT_SECRET: 's3cret' } },
      'request',
    );
    const text = JSON.stringify(lines[0]);
    assert.doesNotMatch(text, /abc\.def\.ghi|hunter2|s3cret/);
    assert.match(text, /\[redacted\]/);
  });
});
