// 10. The access log's cost: scenario 1's load (main's product list, 100 products) with the access
// log on (LOG_LEVEL and ACCESS_LOG_LEVEL info: one JSON line per request to the process's stdout,
// which the bench writes to bench-results/logs) as a ratio to the same load with it off
// (ACCESS_LOG_LEVEL=silent), each on freshly started services, back to back.
import { measure } from '../lib/load.mjs';
import { atLeast, noErrors } from '../lib/verdicts.mjs';

const ON = { LOG_LEVEL: 'info', ACCESS_LOG_LEVEL: 'info' };
const OFF = { LOG_LEVEL: 'info', ACCESS_LOG_LEVEL: 'silent' };

export async function accessLogTax(ctx) {
  const { config } = ctx;
  const listAt = (services, phase) =>
    ctx.phase(phase, () =>
      measure({
        url: `${services.mainUrl}/api/products?limit=100`,
        connections: config.connections,
        seconds: config.seconds,
        warmupSeconds: config.warmupSeconds,
      }),
    );
  await ctx.stopServices();
  const off = await listAt(await ctx.startServices({ label: 'access-log-off', extraEnv: OFF }), '10-access-log-off');
  await ctx.stopServices();
  const on = await listAt(await ctx.startServices({ label: 'access-log-on', extraEnv: ON }), '10-access-log-on');
  await ctx.stopServices();
  return {
    ...on,
    ratio: on.rps / off.rps,
    ratioTo: 'same list load, access log off',
    checks: [atLeast('throughput, access log on vs off', on.rps / off.rps, 0.85, 'x'), noErrors(on)],
    extra: { offRps: off.rps, offP99Ms: off.p99Ms },
  };
}
