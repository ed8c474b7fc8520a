// 5. Event propagation at half the like capacity: from a like's commit in main (its 200 arriving
// here) to the event applied in admin (its processed_events row visible to a poller).
import { percentiles } from '../lib/calibration.mjs';
import { measure } from '../lib/load.mjs';
import { sleep } from '../lib/ports.mjs';
import { scalar } from '../lib/infra.mjs';
import { atMost, holds, noErrors } from '../lib/verdicts.mjs';

export async function propagation(ctx) {
  const { config, services, db } = ctx;
  // Half of what scenario 2 measured; when it did not run, BENCH_PROPAGATION_RATE (default 200/s).
  const capacity = ctx.results.likes?.rps ?? 2 * Number(process.env.BENCH_PROPAGATION_RATE ?? 200);
  const rate = Math.max(10, Math.round(capacity / 2));
  const pending = new Map();
  const delays = [];
  const sampled = [];
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

  // Where events wait, sampled each second: main's outbox (not yet published) or admin's queue.
  const backlog = { outboxMax: 0, queueMax: 0 };
  const backlogTimer = setInterval(async () => {
    const [outbox, queue] = await Promise.all([scalar(db.main, 'SELECT COUNT(*) FROM outbox'), ctx.queueDepth('adminQueue')]).catch(() => [
      0, 0,
    ]);
    backlog.outboxMax = Math.max(backlog.outboxMax, outbox);
    backlog.queueMax = Math.max(backlog.queueMax, queue);
  }, 1000);
  const started = performance.now();
  let load;
  let unseen;
  try {
    load = await ctx.phase('5-propagation', () =>
      measure({
        url: services.mainUrl,
        connections: config.connections,
        seconds: config.seconds,
        warmupSeconds: 0,
        overallRate: rate,
        requests: ctx.traffic.spread(ctx.productIds, (id) => {
          pending.set(id, performance.now());
          sampled.push(id);
        }),
      }),
    );
  } finally {
    const deadline = performance.now() + 15_000;
    while (pending.size > 0 && performance.now() < deadline) await sleep(20);
    polling = false;
    clearInterval(backlogTimer);
    unseen = pending.size;
    pending.clear();
    await poller;
  }
  const elapsed = (performance.now() - started) / 1000;
  const { p50Ms, p99Ms } = percentiles(delays);
  const byDbClock = percentiles(await dbClockDelays(ctx, sampled));
  return {
    ...load,
    propagationP50Ms: p50Ms,
    propagationP99Ms: p99Ms,
    ratio: null,
    // The floors are on the database's clock (issue 16); the client clock's figures are context.
    checks: [
      atMost('propagation p50, database clock', byDbClock.p50Ms, 10, 'ms', 1),
      atMost('propagation p99, database clock', byDbClock.p99Ms, 30, 'ms', 1),
      holds('every like reached admin', unseen === 0, `${unseen} unseen after 15 s`),
      noErrors(load),
    ],
    extra: {
      ...backlog,
      dbClockP50Ms: byDbClock.p50Ms,
      dbClockP99Ms: byDbClock.p99Ms,
      offeredRate: rate,
      samples: delays.length,
      unseen,
      pollsPerSecond: Math.round(polls / elapsed),
    },
  };
}

/**
 * A second view free of this process's scheduling: the database's own clock, from the like row's
 * insert in main to the processed_events insert in admin (both in their transactions, ms precision).
 */
async function dbClockDelays(ctx, ids) {
  const mainDb = ctx.schemas.main.credentials.database;
  const adminDb = ctx.schemas.admin.credentials.database;
  const delays = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const [rows] = await ctx.db.main.query(
      `SELECT TIMESTAMPDIFF(MICROSECOND, l.created_at, p.processed_at) AS us FROM \`${mainDb}\`.likes l JOIN \`${adminDb}\`.processed_events p ON p.event_id = l.id WHERE l.id IN (?)`,
      [ids.slice(i, i + 1000)],
    );
    for (const { us } of rows) delays.push(Number(us) / 1000);
  }
  return delays;
}
