// The sweep (`--sweep`, or `--scenario sweep`): what a user waits at a given load. For likes and
// for the product list, closed-loop capacity first (as scenarios 2 and 1 measure it), then the
// same work offered open loop at 25, 50, 75 and 90% of that capacity, each level's p50/p99 taken
// from every request's due time. No floor of its own beyond the runs being valid (the generator on
// schedule, no failed request); the figures are the curve.
import { measure } from '../lib/load.mjs';
import { noErrors, onSchedule } from '../lib/verdicts.mjs';
import { LIST_PATH, productListAtRate } from './1-product-list.mjs';
import { likesAtRate, likesSpread } from './2-likes.mjs';

export const SWEEP_SHARES = (process.env.BENCH_SWEEP_SHARES ?? '0.25,0.5,0.75,0.9').split(',').map(Number);

export async function sweep(ctx) {
  const { config, services } = ctx;
  const seconds = Number(process.env.BENCH_SWEEP_SECONDS ?? config.seconds);
  const works = [];
  const checks = [];

  const likesCapacity = await likesSpread(ctx, { phase: 'sweep-likes-capacity' });
  const likesLevels = [];
  for (const share of SWEEP_SHARES) {
    const rate = Math.max(1, Math.round(likesCapacity.rps * share));
    ctx.log(`sweep: likes at ${Math.round(share * 100)}% of ${likesCapacity.rps}/s = ${rate}/s`);
    const result = await likesAtRate(ctx, rate, { phase: `sweep-likes-${Math.round(share * 100)}%`, seconds });
    likesLevels.push({ share, result });
    checks.push(
      relabel(onSchedule(result), `likes ${Math.round(share * 100)}%`),
      relabel(noErrors(result), `likes ${Math.round(share * 100)}%`),
    );
  }
  works.push({ work: 'likes', capacity: likesCapacity.rps, capacityP99Ms: likesCapacity.p99Ms, levels: likesLevels });

  const listCapacity = await ctx.phase('sweep-list-capacity', () =>
    measure({
      url: `${services.mainUrl}${LIST_PATH}`,
      connections: config.connections,
      seconds: config.seconds,
      warmupSeconds: config.warmupSeconds,
    }),
  );
  const listLevels = [];
  for (const share of SWEEP_SHARES) {
    const rate = Math.max(1, Math.round(listCapacity.rps * share));
    ctx.log(`sweep: list at ${Math.round(share * 100)}% of ${listCapacity.rps}/s = ${rate}/s`);
    const result = await productListAtRate(ctx, rate, { phase: `sweep-list-${Math.round(share * 100)}%`, seconds });
    listLevels.push({ share, result });
    checks.push(
      relabel(onSchedule(result), `list ${Math.round(share * 100)}%`),
      relabel(noErrors(result), `list ${Math.round(share * 100)}%`),
    );
  }
  works.push({ work: 'product list', capacity: listCapacity.rps, capacityP99Ms: listCapacity.p99Ms, levels: listLevels });

  const rssMb = {};
  for (const r of [likesCapacity, listCapacity, ...likesLevels.map((l) => l.result), ...listLevels.map((l) => l.result)]) {
    for (const [name, mb] of Object.entries(r.rssMb ?? {})) rssMb[name] = Math.max(rssMb[name] ?? 0, mb);
  }
  return {
    rps: null,
    errors: [...likesLevels, ...listLevels].reduce((sum, l) => sum + l.result.errors, 0),
    rssMb,
    ratio: null,
    sweep: works,
    floorText: 'valid runs only (each level: generator on schedule, no failed request)',
    checks,
  };
}

const relabel = (check, prefix) => ({ ...check, criterion: `${prefix}: ${check.criterion}` });
