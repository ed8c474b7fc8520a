// 7. The broker unreachable for 15 s under like load (a fault proxy between the services and the
// shared RabbitMQ resets every connection; the broker itself is never touched): likes must still
// be accepted, and the outbox backlog must drain once it is back.
import { startBrokerProxy } from '../lib/fault-proxy.mjs';
import { scalar } from '../lib/infra.mjs';
import { measure } from '../lib/load.mjs';
import { sleep } from '../lib/ports.mjs';
import { holds } from '../lib/verdicts.mjs';

export async function brokerOutage(ctx) {
  const { config, db } = ctx;
  const proxy = await startBrokerProxy(ctx.brokerUrl);
  try {
    await ctx.stopServices();
    const services = await ctx.startServices({ label: 'outage', brokerUrl: proxy.url });
    const load = (seconds) =>
      measure({
        url: services.mainUrl,
        connections: config.connections,
        seconds,
        warmupSeconds: 0,
        requests: ctx.traffic.spread(ctx.productIds),
      });
    const outboxRows = () => scalar(db.main, 'SELECT COUNT(*) FROM outbox');
    const mainLikes = () => scalar(db.main, 'SELECT COUNT(*) FROM likes');
    const adminApplied = () => scalar(db.admin, "SELECT COUNT(*) FROM processed_events WHERE event_type = 'product_liked'");

    const before = await ctx.phase('7-before', () => load(Math.min(5, config.seconds)));
    await proxy.setMode('reset');
    const during = await ctx.phase('7-outage', () => load(config.outageSeconds));
    const backlog = await outboxRows();
    await proxy.setMode('pass');
    const restored = performance.now();
    const adminAtRestore = await adminApplied();

    // Nothing but the drain runs now: poll until the outbox is empty and admin has every like.
    const end = await ctx.phaseStart('7-drain', { perLike: false });
    let drainedMs = null;
    let caughtUpMs = null;
    const total = await mainLikes();
    while (performance.now() - restored < 120_000 && (drainedMs === null || caughtUpMs === null)) {
      if (drainedMs === null && (await outboxRows()) === 0) drainedMs = performance.now() - restored;
      if (caughtUpMs === null && (await adminApplied()) >= total) caughtUpMs = performance.now() - restored;
      await sleep(50);
    }
    const rss = await end();
    const adminNow = await adminApplied();
    return {
      ...during,
      rssMb: maxRss(before.rssMb, during.rssMb, rss),
      ratio: before.rps > 0 ? during.rps / before.rps : null,
      ratioTo: 'like rate before the outage',
      checks: [
        holds('no like refused during the cut', during.errors === 0, `${during.errors} refused`),
        holds(
          'outbox backlog drained after the cut',
          drainedMs !== null,
          drainedMs === null ? 'not within 120 s' : `${backlog} rows in ${(drainedMs / 1000).toFixed(1)} s`,
        ),
        holds(
          'admin caught up after the cut',
          caughtUpMs !== null,
          caughtUpMs === null ? 'not within 120 s' : `in ${(caughtUpMs / 1000).toFixed(1)} s`,
        ),
      ],
      extra: {
        beforeRps: before.rps,
        backlogRows: backlog,
        drainSeconds: drainedMs === null ? null : drainedMs / 1000,
        drainRate: drainedMs ? Math.round(backlog / (drainedMs / 1000)) : null,
        adminCatchUpSeconds: caughtUpMs === null ? null : caughtUpMs / 1000,
        adminConsumeRate: caughtUpMs ? Math.round((adminNow - adminAtRestore) / (caughtUpMs / 1000)) : null,
      },
    };
  } finally {
    await ctx.stopServices();
    await proxy.stop();
  }
}

function maxRss(...all) {
  const out = {};
  for (const r of all) for (const [k, v] of Object.entries(r ?? {})) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}
