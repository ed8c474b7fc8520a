import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTracing, tracingRequested } from './tracing';

describe('whether tracing starts, from the standard OTEL_* variables', () => {
  test('only an exporter endpoint (or a non-OTLP exporter) turns it on, and OTEL_SDK_DISABLED always wins', () => {
    assert.equal(tracingRequested({}), false);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }), true);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' }), true);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), false);
    assert.equal(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), false);
    assert.equal(tracingRequested({ OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_EXPORTER: 'console' }), false);
    assert.equal(tracingRequested({ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
  });

  test('when off, the SDK and the instrumentations are not even loaded', () => {
    assert.equal(
      startTracing({ defaultServiceName: 'off', env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' } }),
      false,
    );
    assert.equal(startTracing({ defaultServiceName: 'off', env: {} }), false);
    const loaded = Object.keys(require.cache).filter((path) => /@opentelemetry[\\/](sdk-node|instrumentation-)/.test(path));
    assert.deepEqual(loaded, []);
  });
});
