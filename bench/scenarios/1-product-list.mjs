// 1. main's product list, 100 products, against the calibration servers serving the same body.
import { measure } from '../lib/load.mjs';

export async function productList(ctx) {
  const { config, services } = ctx;
  const result = await ctx.phase('1-list', () =>
    measure({ url: `${services.mainUrl}/api/products?limit=100`, connections: config.connections, seconds: config.seconds, warmupSeconds: config.warmupSeconds }),
  );
  const express = ctx.calibration.express.rps;
  const bare = ctx.calibration.bareHttp.rps;
  return {
    ...result,
    ratio: result.rps / express,
    ratioTo: 'Express hello',
    target: 0.85,
    extra: { ratioToBareHttp: result.rps / bare },
  };
}
