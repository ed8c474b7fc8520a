/** One route an Express app (or Nest on Express) answers: its method and full path template. */
export interface RegisteredRoute {
  method: string;
  path: string;
}

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * Every route registered on an Express 5 application, nested routers included, read from the
 * router stack (Nest on Express registers its controllers there too), so nothing registered can
 * hide from the caller.
 */
export function listRoutes(app: unknown): RegisteredRoute[] {
  const stack = (app as { router?: { stack?: Layer[] } }).router?.stack;
  if (!Array.isArray(stack)) throw new Error('not an Express 5 application (no router stack)');
  return walk(stack, '');
}

function walk(stack: Layer[], prefix: string): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const path of paths(layer.route.path)) {
        for (const method of Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m])) {
          routes.push({ method: method.toUpperCase(), path: join(prefix, path) });
        }
      }
    } else if (layer.handle?.stack) {
      for (const path of paths(layer.rawPath)) routes.push(...walk(layer.handle.stack, join(prefix, path)));
    }
  }
  return routes;
}

function paths(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  // A RegExp path cannot be listed faithfully: fail loudly rather than skip it.
  throw new Error(`a route path that is not a string: ${String(value)}`);
}

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/** A concrete URL for a path template: parameters become `1`, wildcards `x`, optional groups are dropped. */
export function concretePath(template: string): string {
  return (
    template
      .replace(/\{[^}]*\}/g, '')
      .replace(/:\w+/g, '1')
      .replace(/\*\w*/g, 'x') || '/'
  );
}
