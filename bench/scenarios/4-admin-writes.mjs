// 4. Admin creates and updates (each a transaction with its outbox row), against raw insert-commit.
import { measure } from '../lib/load.mjs';
import { noErrors } from '../lib/verdicts.mjs';

export async function adminWrites(ctx) {
  const { config, services } = ctx;
  let n = 0;
  // Admin's writes need a staff token.
  const json = { 'content-type': 'application/json', authorization: `Bearer ${ctx.staffToken}` };
  const requests = [
    {
      method: 'POST',
      path: '/api/products',
      headers: json,
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({ title: `Bench product ${n++}`, image: `https://img.example/bench/${n}.png` }),
      }),
    },
    {
      method: 'PUT',
      headers: json,
      setupRequest: (req) => {
        const id = ctx.productIds[n % ctx.productIds.length];
        return {
          ...req,
          path: `/api/products/${id}`,
          body: JSON.stringify({ title: `Renamed ${n++}`, image: `https://img.example/renamed/${n}.png` }),
        };
      },
    },
  ];
  const result = await ctx.phase('4-admin', () =>
    measure({
      url: services.adminUrl,
      connections: config.connections,
      seconds: config.seconds,
      warmupSeconds: config.warmupSeconds,
      requests,
    }),
  );
  return { ...result, ratio: result.rps / ctx.calibration.insertCommit.rps, ratioTo: 'raw insert-commit', checks: [noErrors(result)] };
}
