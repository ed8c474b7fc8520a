// 1. main's product list, 100 products, against the calibration servers serving the same body.
// Express hello is measured again right after the list: the list is compared with the mean of the
// two, so load that other work puts on the machine meanwhile cancels out as far as it can.
// With `--rate N`, the list is offered N requests a second open loop instead (no floor on
// throughput then: the figures are the latencies from each request's due time).
import { measure } from '../lib/load.mjs';
import { openLoop } from '../lib/open-loop.mjs';
import { atLeast, noErrors, onSchedule } from '../lib/verdicts.mjs';

export const LIST_PATH = '/api/products?limit=100';

export async function productList(ctx) {
  const { config, services } = ctx;
  if (config.rate) return productListAtRate(ctx, config.rate);
  const result = await ctx.phase('1-list', () =>
    measure({
      url: `${services.mainUrl}${LIST_PATH}`,
      connections: config.connections,
      seconds: config.seconds,
      warmupSeconds: config.warmupSeconds,
    }),
  );
  const after = await ctx.calibrateHttpAgain('express-hello');
  const express = (ctx.calibration.express.rps + after.rps) / 2;
  const bare = ctx.calibration.bareHttp.rps;
  const ratio = result.rps / express;
  return {
    ...result,
    ratio,
    ratioTo: 'Express hello',
    checks: [atLeast('throughput vs Express hello', ratio, 0.9, 'x'), noErrors(result)],
    extra: { expressBeforeRps: ctx.calibration.express.rps, expressAfterRps: after.rps, ratioToBareHttp: result.rps / bare },
  };
}

/** The list offered at a fixed rate (open loop): latency from due time, no throughput floor. */
export async function productListAtRate(ctx, rate, { phase = `1-list-rate-${rate}`, seconds = ctx.config.seconds } = {}) {
  const { config, services } = ctx;
  const result = await ctx.phase(phase, () =>
    openLoop({
      url: services.mainUrl,
      rate,
      seconds,
      warmupSeconds: config.warmupSeconds,
      requests: [{ method: 'GET', path: LIST_PATH, headers: {} }],
    }),
  );
  return { ...result, ratio: null, checks: [onSchedule(result), noErrors(result)] };
}
