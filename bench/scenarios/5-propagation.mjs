// 5. Event propagation at half the like capacity: from a like's commit in main (its 200 arriving
// here) to the event applied in admin (its processed_events row visible to a poller).
import { percentiles } from '../lib/calibration.mjs';
import { measure } from '../lib/load.mjs';
import { sleep } from '../lib/ports.mjs';

export async function propagation(ctx) {
  const { config, services, db } = ctx;
  const rate = Math.max(10, Math.round(ctx.results.likes.rps / 2));
  const pending = new Map();
  const delays = [];
  let polls = 0;
  let polling = true;

  // One tight poll loop on its own connection: each query asks for every like still in flight.
  const poller = (async () => {
    const conn = await db.admin.getConnection();
    try {
      while (polling || pending.size > 0) {
        if (pending.size === 0) {
          await sleep(1);
          continue;
        }
        const ids = [...pending.keys()].slice(0, 1000);
        const sent = performance.now();
        const [rows] = await conn.query('SELECT event_id FROM processed_events WHERE event_id IN (?)', [ids]);
        polls++;
        for (const { event_id: id } of rows) {
          const committedAt = pending.get(id);
          if (committedAt === undefined) continue;
          // Visible to a query sent at `sent`: the effect happened before it.
          delays.push(Math.max(0, sent - committedAt));
          pending.delete(id);
        }
        await sleep(1);
      }
    } finally {
      conn.release();
    }
  })();

  const started = performance.now();
  let load;
  let unseen = 0;
  try {
    load = await ctx.phase('5-propagation', () =>
      measure({
        url: services.mainUrl,
        connections: config.connections,
        seconds: config.seconds,
        warmupSeconds: 0,
        overallRate: rate,
        requests: ctx.traffic.spread(ctx.productIds, (id) => pending.set(id, performance.now())),
      }),
    );
  } finally {
    const deadline = performance.now() + 15_000;
    while (pending.size > 0 && performance.now() < deadline) await sleep(20);
    polling = false;
    unseen = pending.size;
    pending.clear();
    await poller;
  }
  const elapsed = (performance.now() - started) / 1000;
  const { p50Ms, p99Ms } = percentiles(delays);
  return {
    ...load,
    propagationP50Ms: p50Ms,
    propagationP99Ms: p99Ms,
    ratio: null,
    target: null,
    pass: p50Ms !== null && p50Ms < 10 && p99Ms < 50 && unseen === 0,
    targetText: 'propagation p50 < 10 ms, p99 < 50 ms',
    extra: { offeredRate: rate, samples: delays.length, unseen, pollsPerSecond: Math.round(polls / elapsed) },
  };
}
