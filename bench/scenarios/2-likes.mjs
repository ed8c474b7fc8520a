// 2. Likes by many users on many products, against the raw insert-commit rate.
import { measure } from '../lib/load.mjs';

export async function likesSpread(ctx, { phase = '2-likes', services = ctx.services } = {}) {
  const { config } = ctx;
  const result = await ctx.phase(phase, () =>
    measure({ url: services.mainUrl, connections: config.connections, seconds: config.seconds, warmupSeconds: config.warmupSeconds, requests: ctx.traffic.spread(ctx.productIds) }),
  );
  return result;
}

/** Compared with the mean of the raw insert-commit rate measured just before and just after. */
export async function likes(ctx) {
  const result = await likesSpread(ctx);
  const after = await ctx.calibrateInsertCommitAgain();
  if (after.errors > 0 || after.rps === 0) throw new Error(`the second raw insert-commit run failed (${after.errors} errors)`);
  const raw = (ctx.calibration.insertCommit.rps + after.rps) / 2;
  const ratio = result.rps / raw;
  return {
    ...result,
    ratio,
    ratioTo: 'raw insert-commit',
    target: 0.6,
    p99TargetMs: 50,
    pass: ratio >= 0.6 && result.p99Ms < 50 && result.errors === 0,
    extra: { rawBeforeRps: ctx.calibration.insertCommit.rps, rawAfterRps: after.rps, rawP99Ms: [ctx.calibration.insertCommit.p99Ms, after.p99Ms] },
  };
}
