import type { IncomingMessage } from 'node:http';
import type { InMemorySpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { OUTBOX_TRACE_CARRIER, type TraceCarrier } from './trace-context';

/*
 * Tracing setup. Every entry file imports its service's `tracing.ts` first, because
 * auto-instrumentation patches express, mysql2, amqplib and http as they are first required. It is
 * configured only by the standard OTEL_* variables, read by the SDK itself (the one place outside
 * config.ts that reads the environment, since it must run before config can load). With no
 * exporter endpoint, or OTEL_SDK_DISABLED=true, the SDK is not even loaded.
 */

type Env = Record<string, string | undefined>;

interface Started {
  shutdown(): Promise<void>;
}

let started: Started | undefined;

/** Probes and scrapes make no traces: they would bury the requests that matter. */
const UNTRACED_PATHS = new Set(['/metrics', '/livez', '/readyz', '/ready', '/api/health', '/flask/api/health']);

/** True when the environment asks for traces: an exporter is configured and the SDK is not disabled. */
export function tracingRequested(env: Env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  if (exporters.length > 0 && exporters.every((e) => e === 'none')) return false;
  if (exporters.some((e) => e !== 'otlp' && e !== 'none')) return true;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface StartTracingOptions {
  /** `service.name` unless OTEL_SERVICE_NAME says otherwise. */
  defaultServiceName: string;
  env?: Env;
  /** For tests: replaces the exporter the environment would choose (and starts tracing regardless of it). */
  spanProcessors?: SpanProcessor[];
}

/** Starts the OpenTelemetry SDK once per process; returns whether tracing is on. */
export function startTracing(options: StartTracingOptions): boolean {
  if (started) return true;
  const env = options.env ?? process.env;
  if (!options.spanProcessors && !tracingRequested(env)) return false;

  // Required here, not imported above: with tracing off none of this is loaded.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation, ExpressLayerType } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { NestInstrumentation } = require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core');
  const { MySQL2Instrumentation } = require('@opentelemetry/instrumentation-mysql2') as typeof import('@opentelemetry/instrumentation-mysql2');
  const { AmqplibInstrumentation } = require('@opentelemetry/instrumentation-amqplib') as typeof import('@opentelemetry/instrumentation-amqplib');
  const { IngressSampler, samplingPolicyFrom } = require('./sampling') as typeof import('./sampling');
  const { maskedMySQL2Instrumentation } = require('./sql-masking') as typeof import('./sql-masking');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const sdk = new NodeSDK({
    // The SDK's env detector reads OTEL_SERVICE_NAME; our default only fills in when it is unset.
    serviceName: env.OTEL_SERVICE_NAME ? undefined : options.defaultServiceName,
    spanProcessors: options.spanProcessors,
    // OTEL_TRACES_SAMPLER's rate, but a caller's traceparent never decides whether we trace (sampling.ts).
    sampler: new IngressSampler(samplingPolicyFrom(env)),
    // Metrics go through Prometheus and logs through stdout: only traces leave by OTLP.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? '') }),
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      new NestInstrumentation(),
      // Statements without their values, error messages without the values they quote.
      maskedMySQL2Instrumentation(MySQL2Instrumentation),
      new AmqplibInstrumentation({ publishHook: keepOutboxTraceContext }),
    ],
  });
  sdk.start();
  started = sdk;
  return true;
}

/**
 * The amqplib instrumentation injects the context that is active when amqplib's publish finally
 * runs. amqp-connection-manager may run it later from its own queue, in another message's context,
 * so the relay's own carrier is put back: the consumer always continues the outbox row's trace.
 */
function keepOutboxTraceContext(_span: unknown, info: { options?: { headers?: Record<string, unknown> } & { [OUTBOX_TRACE_CARRIER]?: TraceCarrier } }): void {
  const carrier = info.options?.[OUTBOX_TRACE_CARRIER];
  if (!carrier || !info.options) return;
  info.options.headers = { ...info.options.headers, ...carrier };
}

/** Flushes spans still buffered and stops the SDK; bounded so a dead collector cannot hold up shutdown. */
export async function shutdownTracing(timeoutMs = 3000): Promise<void> {
  const sdk = started;
  if (!sdk) return;
  started = undefined;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    sdk.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/** For tests: tracing into memory with a synchronous processor, started before the code under test loads. */
export function startInMemoryTracing(defaultServiceName = 'test', env?: Env): InMemorySpanExporter {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const exporter = new InMemorySpanExporter();
  startTracing({ defaultServiceName, spanProcessors: [new SimpleSpanProcessor({ exporter })], ...(env ? { env } : {}) });
  return exporter;
}
