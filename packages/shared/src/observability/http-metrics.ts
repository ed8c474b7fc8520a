import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceMetrics } from './metrics';

/** The label for requests no route matched: scanners hitting random paths all land in this one series. */
export const UNMATCHED_ROUTE = 'unmatched';

type RoutedRequest = IncomingMessage & { app?: unknown; baseUrl?: string; route?: { path?: unknown } };

/** The route template each request matched, as this middleware captured it (the access log reads it too). */
const templates = new WeakMap<IncomingMessage, string>();

/** The matched route template of a request (e.g. `/api/products/:id`), or `unmatched`. */
export function routeTemplateOf(req: IncomingMessage): string {
  return templates.get(req) ?? UNMATCHED_ROUTE;
}

/**
 * Express middleware (also under NestJS's Express adapter) recording RED metrics by route template.
 * The template is captured when the router assigns `req.route`, because by the time the response
 * finishes an error may have unwound the router and reset `req.baseUrl`.
 *
 * `req.baseUrl` is the mount path as the client typed it, and Express matches mount paths
 * case-insensitively (and with a trailing slash): every spelling of `/flask/api/products` would be
 * a series of its own. The mount is therefore looked up among the paths the application
 * registered, and labelled with the registered spelling; a mount that is not a fixed path is
 * labelled as unmatched rather than by what the client sent.
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
        if (value) {
          template = routeTemplate(registeredMount(routed.app, routed.baseUrl ?? ''), value.path);
          templates.set(req, template);
        }
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

function routeTemplate(mount: string | undefined, path: unknown): string {
  if (mount === undefined) return UNMATCHED_ROUTE;
  const own = Array.isArray(path) ? path.map(String).join('|') : typeof path === 'string' ? path : UNMATCHED_ROUTE;
  return `${mount}${own}`;
}

interface Layer {
  rawPath?: unknown;
  route?: unknown;
  handle?: { stack?: Layer[] };
}

/** Per application: every fixed mount path it registered, keyed by the form any accepted spelling folds to. */
const mountsByApp = new WeakMap<object, { layers: number; mounts: Map<string, string> }>();

/** The registered spelling of the mount path the router matched, or undefined when it has none. */
function registeredMount(app: unknown, baseUrl: string): string | undefined {
  if (baseUrl === '') return '';
  // An Express application is a function with a router.
  if (typeof app !== 'function' && (typeof app !== 'object' || app === null)) return undefined;
  const stack = (app as { router?: { stack?: Layer[] } }).router?.stack;
  if (!Array.isArray(stack)) return undefined;
  let known = mountsByApp.get(app);
  // Rebuilt only when routers were mounted since (start-up): never on a client's request alone.
  if (!known || known.layers !== stack.length) {
    known = { layers: stack.length, mounts: new Map() };
    collectMounts(stack, '', known.mounts);
    mountsByApp.set(app, known);
  }
  return known.mounts.get(foldMount(baseUrl));
}

function collectMounts(stack: Layer[], prefix: string, into: Map<string, string>, depth = 0): void {
  if (depth > 8) return;
  for (const layer of stack) {
    if (layer.route || !Array.isArray(layer.handle?.stack)) continue;
    const paths =
      typeof layer.rawPath === 'string'
        ? [layer.rawPath]
        : Array.isArray(layer.rawPath)
          ? layer.rawPath.filter((p): p is string => typeof p === 'string')
          : [];
    for (const path of paths) {
      // Mounts with parameters or wildcards carry client text in baseUrl: they get no label of their own.
      if (/[:*?{}()]/.test(path)) continue;
      const mount = path === '/' ? prefix : `${prefix}${path.replace(/\/+$/, '')}`;
      if (mount !== '') into.set(foldMount(mount), mount);
      collectMounts(layer.handle!.stack!, mount, into, depth + 1);
    }
  }
}

const foldMount = (path: string): string => path.toLowerCase().replace(/\/+$/, '');

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Made-up methods would mint series too. */
function normaliseMethod(method: string | undefined): string {
  return method && METHODS.has(method) ? method : 'OTHER';
}
