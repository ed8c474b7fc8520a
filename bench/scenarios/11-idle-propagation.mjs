// 11. Event propagation with nothing else going on, both ways, one operation at a time:
// - create: a product created in admin (its 201 arriving here) until main's copy has the row;
// - like: a like in main (its 200 arriving here) until admin's inbox has the event (processed_events).
// Each operation waits until the other side shows it, then a pause, so nothing batches or queues:
// this is the path's own latency (relay wake-up, broker, consumer, two commits), not throughput.
// Seen by polling the other side's database every millisecond on a connection of its own.
import { percentiles } from '../lib/calibration.mjs';
import { sleep } from '../lib/ports.mjs';
import { atMost, holds } from '../lib/verdicts.mjs';

const SAMPLES = Number(process.env.BENCH_IDLE_SAMPLES ?? 60);
const PAUSE_MS = 50;
const GIVE_UP_MS = 5000;
const TARGET_P50_MS = 5;

export async function idlePropagation(ctx) {
  const { services, db } = ctx;
  const create = [];
  const like = [];
  const likeIds = [];
  let unseen = 0;
  const started = performance.now();
  const end = ctx.phaseStart('11-idle-propagation');
  try {
    for (let i = 0; i < SAMPLES; i++) {
      // Create in admin → visible in main.
      const res = await fetch(`${services.adminUrl}/api/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.staffToken}` },
        body: JSON.stringify({ title: `Idle propagation ${i}`, image: `https://img.example/products/idle-${i}.png` }),
      });
      const createdAt = performance.now();
      const created = await res.json();
      if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(created)}`);
      const seenCreate = await firstSeen(db.main, 'SELECT 1 AS x FROM products WHERE id = ?', [created.id]);
      if (seenCreate === undefined) unseen++;
      else create.push(Math.max(0, seenCreate - createdAt));
      await sleep(PAUSE_MS);

      // Like in main → counted in admin (the event recorded in admin's inbox in the transaction that counted it).
      const { path, headers } = ctx.traffic.spread(ctx.productIds)[0].setupRequest({});
      const likeRes = await fetch(`${services.mainUrl}${path}`, { method: 'POST', headers });
      const likedAt = performance.now();
      const body = await likeRes.json();
      if (likeRes.status !== 200) throw new Error(`like failed: ${likeRes.status} ${JSON.stringify(body)}`);
      likeIds.push(body.like.id);
      const seenLike = await firstSeen(db.admin, 'SELECT 1 AS x FROM processed_events WHERE event_id = ?', [body.like.id]);
      if (seenLike === undefined) unseen++;
      else like.push(Math.max(0, seenLike - likedAt));
      await sleep(PAUSE_MS);
    }
  } finally {
    end();
  }
  const createP = percentiles(create);
  const likeP = percentiles(like);
  const likeDbClock = percentiles(await likeDbClockDelays(ctx, likeIds));
  const pass =
    createP.p50Ms !== null && likeP.p50Ms !== null && createP.p50Ms <= TARGET_P50_MS && likeP.p50Ms <= TARGET_P50_MS && unseen === 0;
  return {
    rps: Math.round((2 * SAMPLES * 10) / ((performance.now() - started) / 1000)) / 10,
    total: 2 * SAMPLES,
    errors: unseen,
    p50Ms: likeP.p50Ms,
    p99Ms: likeP.p99Ms,
    ratio: null,
    target: null,
    pass,
    targetText: `create in admin → in main p50 ≤ ${TARGET_P50_MS} ms; like in main → in admin p50 ≤ ${TARGET_P50_MS} ms`,
    checks: [
      atMost('idle propagation p50, create in admin → in main', createP.p50Ms, TARGET_P50_MS, 'ms', 1),
      atMost('idle propagation p50, like in main → counted in admin', likeP.p50Ms, TARGET_P50_MS, 'ms', 1),
      holds('every operation seen on the other side', unseen === 0, `${unseen} unseen`),
    ],
    extra: {
      createP50Ms: createP.p50Ms,
      createP99Ms: createP.p99Ms,
      likeP50Ms: likeP.p50Ms,
      likeP99Ms: likeP.p99Ms,
      likeDbClockP50Ms: likeDbClock.p50Ms,
      likeDbClockP99Ms: likeDbClock.p99Ms,
      samplesPerPath: SAMPLES,
      unseen,
    },
  };
}

/** performance.now() when a query sent then first found the row (it was visible by then); undefined after GIVE_UP_MS. */
async function firstSeen(pool, sql, params) {
  const conn = await pool.getConnection();
  try {
    const deadline = performance.now() + GIVE_UP_MS;
    while (performance.now() < deadline) {
      const sent = performance.now();
      const [rows] = await conn.query(sql, params);
      if (rows.length > 0) return sent;
      await sleep(1);
    }
    return undefined;
  } finally {
    conn.release();
  }
}

/** The database's clock: the like row's insert in main to the inbox row's insert in admin. */
async function likeDbClockDelays(ctx, ids) {
  if (ids.length === 0) return [];
  const mainDb = ctx.schemas.main.credentials.database;
  const adminDb = ctx.schemas.admin.credentials.database;
  const [rows] = await ctx.db.main.query(
    `SELECT TIMESTAMPDIFF(MICROSECOND, l.created_at, p.processed_at) AS us FROM \`${mainDb}\`.likes l JOIN \`${adminDb}\`.processed_events p ON p.event_id = l.id WHERE l.id IN (?)`,
    [ids],
  );
  return rows.map(({ us }) => Number(us) / 1000);
}
