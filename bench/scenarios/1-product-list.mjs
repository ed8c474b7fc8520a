// 1. main's product list, 100 products, against the calibration servers serving the same body.
// Express hello is measured again right after the list: the list is compared with the mean of the
// two, so load that other work puts on the machine meanwhile cancels out as far as it can.
import { measure } from '../lib/load.mjs';

export async function productList(ctx) {
  const { config, services } = ctx;
  const result = await ctx.phase('1-list', () =>
    measure({ url: `${services.mainUrl}/api/products?limit=100`, connections: config.connections, seconds: config.seconds, warmupSeconds: config.warmupSeconds }),
  );
  const after = await ctx.calibrateHttpAgain('express-hello');
  const express = (ctx.calibration.express.rps + after.rps) / 2;
  const bare = ctx.calibration.bareHttp.rps;
  return {
    ...result,
    ratio: result.rps / express,
    ratioTo: 'Express hello',
    target: 0.85,
    extra: { expressBeforeRps: ctx.calibration.express.rps, expressAfterRps: after.rps, ratioToBareHttp: result.rps / bare },
  };
}
