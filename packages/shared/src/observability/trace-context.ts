import {
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/**
 * Messaging's side of tracing, written against the OpenTelemetry API only: with no SDK started
 * (tracing off) every call here is a no-op, so it costs nothing.
 */
const tracer = () => trace.getTracer('@catalogue/messaging');

export type TraceCarrier = Record<string, string>;

/** The active trace context as W3C headers (`traceparent`, `tracestate`), or null when there is none. */
export function activeTraceCarrier(): TraceCarrier | null {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : null;
}

/** True inside a span that is being recorded: instrumentation below it is worth its cost only then. */
export function insideRecordingSpan(): boolean {
  return trace.getSpan(context.active())?.isRecording() === true;
}

/** Runs `work` with no span recorded for it or below it: the relay's polling would otherwise start a trace every sweep. */
export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(ROOT_CONTEXT), work);
}

function carrierFrom(headers: unknown): TraceCarrier {
  const carrier: TraceCarrier = {};
  if (headers && typeof headers === 'object') {
    for (const [key, value] of Object.entries(headers)) {
      if (typeof value === 'string') carrier[key] = value;
      else if (Buffer.isBuffer(value)) carrier[key] = value.toString('utf8');
    }
  }
  return carrier;
}

export interface PublishSpanInfo {
  exchange: string;
  routingKey: string;
  messageId: string;
  /** The carrier stored with the outbox row (the request that wrote it), if any. */
  stored: TraceCarrier | null;
}

/**
 * Publishes inside a PRODUCER span that continues the stored trace, with `traceparent` in the
 * headers handed to `publish`.
 */
export async function withPublishSpan(info: PublishSpanInfo, publish: (headers: TraceCarrier) => Promise<void>): Promise<void> {
  // The relay continues traces, it never starts one: a row written outside a traced request
  // (not sampled, or no request at all) is published with no span and no traceparent.
  const parent = info.stored ? propagation.extract(ROOT_CONTEXT, info.stored) : undefined;
  if (!parent || !sampled(parent)) return untraced(() => publish({}));
  const span = tracer().startSpan(
    `publish ${info.exchange}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'publish',
        'messaging.destination.name': info.exchange,
        'messaging.rabbitmq.destination.routing_key': info.routingKey,
        'messaging.message.id': info.messageId,
      },
    },
    parent,
  );
  const active = trace.setSpan(parent, span);
  const headers: TraceCarrier = {};
  propagation.inject(active, headers);
  try {
    await context.with(active, () => publish(headers));
  } catch (err) {
    failed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

export interface ConsumeSpanInfo {
  queue: string;
  exchange: string;
  routingKey: string;
  messageId: string | undefined;
  headers: unknown;
}

/**
 * Runs a delivery's processing inside a CONSUMER span continuing the producer's trace from the
 * message's `traceparent`; spans of the handler (its database statements) become its children.
 */
export async function withConsumeSpan<T>(info: ConsumeSpanInfo, work: (span: Span) => Promise<T>): Promise<T> {
  const extracted = propagation.extract(ROOT_CONTEXT, carrierFrom(info.headers));
  // Nor does the consumer: a message from outside a traced request costs no span at all.
  if (!sampled(extracted)) return untraced(() => work(trace.wrapSpanContext(INVALID_SPAN_CONTEXT)));
  const span = tracer().startSpan(
    `process ${info.queue}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': info.exchange,
        'messaging.rabbitmq.destination.routing_key': info.routingKey,
        'messaging.consumer.group.name': info.queue,
        ...(info.messageId ? { 'messaging.message.id': info.messageId } : {}),
      },
    },
    extracted,
  );
  try {
    return await context.with(trace.setSpan(extracted, span), () => work(span));
  } catch (err) {
    failed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Whether the context carries a span (local or from a message) that its trace records. */
function sampled(ctx: Context): boolean {
  const span = trace.getSpanContext(ctx);
  return span !== undefined && isSpanContextValid(span) && (span.traceFlags & TraceFlags.SAMPLED) !== 0;
}

function failed(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** Marks the active span as failed with a short reason (no message text that might carry data). */
export function markActiveSpanFailed(reason: string): void {
  trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR, message: reason });
}
