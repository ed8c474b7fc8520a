import type { KubeObject } from './kube';

export interface IngressPath {
  path: string;
  pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  backend: { service: { name: string; port: { name?: string; number?: number } } };
}
export interface Ingress extends KubeObject {
  metadata: KubeObject['metadata'] & { annotations?: Record<string, string> };
  spec: {
    ingressClassName?: string;
    tls?: { hosts: string[]; secretName?: string }[];
    rules: { host: string; http: { paths: IngressPath[] } }[];
  };
}

/** Whether a Prefix path matches a request path: element by element, so /api matches /api and /api/x, never /apix. */
function prefixMatches(prefix: string, requestPath: string): boolean {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' || requestPath === trimmed || requestPath.startsWith(`${trimmed}/`);
}

/**
 * The Ingress path that takes a request for `host` + `requestPath`, as the Ingress API defines the
 * choice across all Ingresses of one host: an Exact match first, else the longest matching Prefix;
 * undefined when nothing matches (the controller's default backend answers, never our Services).
 */
export function routeOf(ingresses: Ingress[], host: string, requestPath: string): { ingress: Ingress; path: IngressPath } | undefined {
  const candidates = ingresses.flatMap((ingress) =>
    ingress.spec.rules.filter((rule) => rule.host === host).flatMap((rule) => rule.http.paths.map((path) => ({ ingress, path }))),
  );
  const exact = candidates.find(({ path }) => path.pathType === 'Exact' && path.path === requestPath);
  if (exact) return exact;
  return candidates
    .filter(({ path }) => path.pathType === 'Prefix' && prefixMatches(path.path, requestPath))
    .sort((a, b) => b.path.path.length - a.path.path.length)[0];
}
