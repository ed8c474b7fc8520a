/**
 * The V8 heap bounds every service process runs with, however it is started: `npm start`
 * (scripts/start.mjs), the bench (bench/lib/services.mjs) and the images (the Dockerfiles' `ENV
 * NODE_OPTIONS`, which compose and the Kubernetes manifests inherit; test/deploy checks they match).
 * See docs/decisions/0026.
 *
 * - `--max-semi-space-size=8`: V8 on Node 24 grows the young generation to 64 MB per semi-space
 *   under allocation-heavy load (128 MB of new space, measured), all of it resident. 8 MB keeps
 *   each scavenge short and the process's resident memory under 200 MB under load; objects that
 *   live through two scavenges are promoted either way.
 * - `--max-old-space-size=192`: a ceiling, not a target. Under load the old space holds 40-70 MB
 *   (caches are bounded by count and bytes); a leak or an unbounded burst then fails one process
 *   loudly, in its own heap, long before the container's memory limit (512 Mi) kills it from
 *   outside.
 */
export const SERVICE_V8_FLAGS = ['--max-semi-space-size=8', '--max-old-space-size=192'] as const;

/** The flags as the Dockerfiles write NODE_OPTIONS. */
export const SERVICE_NODE_OPTIONS = SERVICE_V8_FLAGS.join(' ');

/** NODE_OPTIONS for a service process: ours first, so any option the caller already set wins (V8 keeps the last). */
export function withServiceNodeOptions(existing: string | undefined): string {
  const own = (existing ?? '').trim();
  return own ? `${SERVICE_NODE_OPTIONS} ${own}` : SERVICE_NODE_OPTIONS;
}
