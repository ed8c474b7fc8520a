// 8. search over 10,000 products at the list's concurrency (issue 9): main's FULLTEXT path, with
// the list cache off so every request runs its query in the database. A mix of a broad relevance
// search, a selective one, one answered partly by substring (short words) and a search sorted by
// likes. Floor (issue 16): p99 < 100 ms; the ratio to scenario 1's list is context.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { measure } from '../lib/load.mjs';
import { ROOT } from '../lib/processes.mjs';
import { below, noErrors } from '../lib/verdicts.mjs';

const run = promisify(execFile);
const PRODUCTS = 10_000;
const QUERIES = ['q=lamp', 'q=oak%20table', 'q=tv%20stand', 'q=vintage&sort=likes'];

export async function search(ctx) {
  const { config, schemas } = ctx;
  const database = schemas.main.credentials.database;
  const { stdout } = await run(process.execPath, [
    path.join(ROOT, 'scripts/seed-search.mjs'),
    '--schema',
    'main',
    '--database',
    database,
    '--count',
    String(PRODUCTS),
  ]);
  const seeded = JSON.parse(stdout);
  await ctx.stopServices();
  await ctx.startServices({ label: 'search', extraEnv: { PRODUCT_LIST_CACHE_MS: '0' } });
  const base = ctx.services.mainUrl;
  for (const query of QUERIES) {
    const res = await fetch(`${base}/api/products?${query}&limit=50`);
    if (res.status !== 200) throw new Error(`search ${query} answered ${res.status}: ${await res.text()}`);
  }
  const result = await ctx.phase('8-search', () =>
    measure({
      url: base,
      requests: QUERIES.map((query) => ({ method: 'GET', path: `/api/products?${query}&limit=50` })),
      connections: config.connections,
      seconds: config.seconds,
      warmupSeconds: config.warmupSeconds,
    }),
  );
  const list = ctx.results.list?.rps;
  return {
    ...result,
    ratio: list ? result.rps / list : undefined,
    ratioTo: 'product list (cached)',
    checks: [below('p99', result.p99Ms, 100, 'ms'), noErrors(result)],
    extra: { products: PRODUCTS, queries: QUERIES, probeHits: seeded.probes ?? seeded },
  };
}
