// 2. Likes by many users on many products, against the raw insert-commit rate.
import { measure } from '../lib/load.mjs';

export async function likesSpread(ctx, { phase = '2-likes', services = ctx.services } = {}) {
  const { config } = ctx;
  const result = await ctx.phase(phase, () =>
    measure({ url: services.mainUrl, connections: config.connections, seconds: config.seconds, warmupSeconds: config.warmupSeconds, requests: ctx.traffic.spread(ctx.productIds) }),
  );
  return result;
}

export async function likes(ctx) {
  const result = await likesSpread(ctx);
  const ratio = result.rps / ctx.calibration.insertCommit.rps;
  return {
    ...result,
    ratio,
    ratioTo: 'raw insert-commit',
    target: 0.6,
    p99TargetMs: 50,
    pass: ratio >= 0.6 && result.p99Ms < 50 && result.errors === 0,
  };
}
