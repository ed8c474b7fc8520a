import type { InMemorySpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';

/*
 * Tracing setup. Every entry file imports its service's `tracing.ts` first, because
 * instrumentation patches http and mysql2 as they are first required. It is
 * configured only by the standard OTEL_* variables, read by the SDK itself (the one place outside
 * config.ts that reads the environment, since it must run before config can load). With no
 * exporter endpoint, or OTEL_SDK_DISABLED=true, the SDK is not even loaded.
 */

type Env = Record<string, string | undefined>;

interface Started {
  shutdown(): Promise<void>;
}

let started: Started | undefined;

/** True when the environment asks for traces: an exporter is configured and the SDK is not disabled. */
export function tracingRequested(env: Env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
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
  const { MySQL2Instrumentation } =
    require('@opentelemetry/instrumentation-mysql2') as typeof import('@opentelemetry/instrumentation-mysql2');
  const { IngressSampler, samplingPolicyFrom } = require('./sampling') as typeof import('./sampling');
  const { maskedMySQL2Instrumentation } = require('./sql-masking') as typeof import('./sql-masking');
  const { setRequestAdmission } = require('./request-tracing') as typeof import('./request-tracing');
  const { insideRecordingSpan } = require('./trace-context') as typeof import('./trace-context');
  /* eslint-enable @typescript-eslint/no-require-imports */

  // OTEL_TRACES_SAMPLER's rate, but a caller's traceparent never decides whether we trace (sampling.ts).
  const sampler = new IngressSampler(samplingPolicyFrom(env));
  const sdk = new NodeSDK({
    // The SDK's env detector reads OTEL_SERVICE_NAME; our default only fills in when it is unset.
    serviceName: env.OTEL_SERVICE_NAME ? undefined : options.defaultServiceName,
    spanProcessors: options.spanProcessors,
    sampler,
    // Metrics go through Prometheus and logs through stdout: only traces leave by OTLP.
    metricReaders: [],
    logRecordProcessors: [],
    // Only what a trace from a request to its effects needs (docs/decisions/0026): the request's
    // span (request-tracing.ts), the SQL under it, calls to the other service, and our own messaging
    // spans (trace-context.ts). The Express, NestJS and amqplib instrumentations, and the HTTP
    // instrumentation's server side, cost every request and message their wrapping, traced or not.
    instrumentations: [
      // Outgoing calls only, and only inside a traced request or message: the incoming request's span
      // is ours (request-tracing.ts), made only for a request the sampler admits.
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true, ignoreOutgoingRequestHook: () => !insideRecordingSpan() }),
      // Statements without their values, and only inside a traced request or message.
      maskedMySQL2Instrumentation(MySQL2Instrumentation, insideRecordingSpan),
    ],
  });
  sdk.start();
  setRequestAdmission(() => sampler.admitRequest());
  started = sdk;
  return true;
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
