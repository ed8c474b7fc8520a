import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { routeTemplateOf, UNMATCHED_ROUTE } from './http-metrics';

/**
 * The SERVER span of an incoming request, made by us instead of the HTTP instrumentation
 * (docs/decisions/0026): the instrumentation binds every request and response to a context and
 * wraps every listener added to them, sampled or not, which cost more than the rest of a like's
 * tracing. Here a request that is not admitted costs one function call and one random draw; an
 * admitted one gets the span, its context bound to the request and response (so the handler's
 * SQL and the outbox row's trace context are its children even after the body is read in another
 * callback), and the route template as its name.
 */

/** Probes and scrapes make no traces: they would bury the requests that matter. */
const UNTRACED_PATHS = new Set(['/metrics', '/livez', '/readyz', '/ready', '/api/health', '/flask/api/health']);

/** Whether to trace this request; set by startTracing (tracing.ts) to its sampler's draw. With tracing off, nothing is. */
let admit: () => boolean = () => false;

export function setRequestAdmission(decide: () => boolean): void {
  admit = decide;
}

const tracer = () => trace.getTracer('@catalogue/http');

/** Express middleware, mounted first in both services. */
export function requestTracing() {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (UNTRACED_PATHS.has(path) || !admit()) return next();

    const method = req.method ?? 'GET';
    // A caller's traceparent gives its trace id; whether we trace was decided above, not by its flag.
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer().startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          'url.path': path,
          'url.scheme': 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http',
          'network.protocol.version': req.httpVersion,
          ...(req.socket.localPort ? { 'server.port': req.socket.localPort } : {}),
          ...(typeof req.headers['user-agent'] === 'string' ? { 'user_agent.original': req.headers['user-agent'] } : {}),
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    context.bind(active, req);
    context.bind(active, res);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = routeTemplateOf(req);
      if (route !== UNMATCHED_ROUTE) {
        span.setAttribute('http.route', route);
        span.updateName(`${method} ${route}`);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (!res.writableFinished) span.setAttribute('error.type', 'aborted');
      else if (res.statusCode >= 500) {
        span.setAttribute('error.type', String(res.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(active, next);
  };
}
