// 2. Likes by many users on many products, against the raw insert-commit rate. With `--rate N`,
// likes are offered N a second open loop instead, judged on p99 from each like's due time.
import { measure } from '../lib/load.mjs';
import { openLoop, requestCount } from '../lib/open-loop.mjs';
import { atLeast, below, noErrors, onSchedule } from '../lib/verdicts.mjs';

export const LIKES_P99_MS = 50;

export async function likesSpread(ctx, { phase = '2-likes', services = ctx.services } = {}) {
  const { config } = ctx;
  const result = await ctx.phase(
    phase,
    () =>
      measure({
        url: services.mainUrl,
        connections: config.connections,
        seconds: config.seconds,
        warmupSeconds: config.warmupSeconds,
        requests: ctx.traffic.spread(ctx.productIds),
      }),
    { drain: true },
  );
  return result;
}

/** Likes offered at a fixed rate (open loop), each a new (user, product) pair. */
export async function likesAtRate(ctx, rate, { phase = `2-likes-rate-${rate}`, seconds = ctx.config.seconds } = {}) {
  const { config, services } = ctx;
  const requests = ctx.traffic.takeSpread(ctx.productIds, requestCount(rate, seconds, config.warmupSeconds));
  return ctx.phase(phase, () => openLoop({ url: services.mainUrl, rate, seconds, warmupSeconds: config.warmupSeconds, requests }), {
    drain: true,
  });
}

/** Compared with the mean of the raw insert-commit rate measured just before and just after. */
export async function likes(ctx) {
  if (ctx.config.rate) {
    const result = await likesAtRate(ctx, ctx.config.rate);
    return {
      ...result,
      ratio: null,
      checks: [below('p99 from due time', result.p99Ms, LIKES_P99_MS, 'ms', 1), onSchedule(result), noErrors(result)],
    };
  }
  const result = await likesSpread(ctx);
  const after = await ctx.calibrateInsertCommitAgain();
  if (after.errors > 0 || after.rps === 0) throw new Error(`the second raw insert-commit run failed (${after.errors} errors)`);
  const raw = (ctx.calibration.insertCommit.rps + after.rps) / 2;
  const ratio = result.rps / raw;
  return {
    ...result,
    ratio,
    ratioTo: 'raw insert-commit',
    checks: [atLeast('throughput vs raw insert-commit', ratio, 0.8, 'x'), below('p99', result.p99Ms, LIKES_P99_MS, 'ms'), noErrors(result)],
    extra: {
      rawBeforeRps: ctx.calibration.insertCommit.rps,
      rawAfterRps: after.rps,
      rawP99Ms: [ctx.calibration.insertCommit.p99Ms, after.p99Ms],
    },
  };
}
