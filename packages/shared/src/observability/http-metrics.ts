import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceMetrics } from './metrics';

/** The label for requests no route matched: scanners hitting random paths all land in this one series. */
export const UNMATCHED_ROUTE = 'unmatched';

type RoutedRequest = IncomingMessage & { baseUrl?: string; route?: { path?: unknown } };

/**
 * Express middleware (also under NestJS's Express adapter) recording RED metrics by route template.
 * The template is captured when the router assigns `req.route`, because by the time the response
 * finishes an error may have unwound the router and reset `req.baseUrl`.
 */
export function httpMetricsMiddleware(metrics: ServiceMetrics) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const started = process.hrtime.bigint();
    const routed = req as RoutedRequest;
    let template: string | undefined;
    let route: RoutedRequest['route'];
    Object.defineProperty(routed, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set: (value: RoutedRequest['route']) => {
        route = value;
        if (value) template = routeTemplate(routed.baseUrl ?? '', value.path);
      },
    });
    res.once('finish', () => {
      const labels = { method: normaliseMethod(req.method), route: template ?? UNMATCHED_ROUTE, status_code: String(res.statusCode) };
      // An event stream lasts as long as someone watches: that is no latency (and would swamp the histogram).
      if (!isEventStream(res)) metrics.httpRequestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      metrics.httpRequests.inc(labels);
    });
    next();
  };
}

function isEventStream(res: ServerResponse): boolean {
  const type = res.getHeader('content-type');
  return typeof type === 'string' && type.startsWith('text/event-stream');
}

function routeTemplate(baseUrl: string, path: unknown): string {
  const own = Array.isArray(path) ? path.map(String).join('|') : typeof path === 'string' ? path : UNMATCHED_ROUTE;
  return `${baseUrl}${own}`;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Made-up methods would mint series too. */
function normaliseMethod(method: string | undefined): string {
  return method && METHODS.has(method) ? method : 'OTHER';
}
