// 3. Every like on one product: main serialises on that product's row; does admin's counter keep up?
import { measure } from '../lib/load.mjs';
import { sleep } from '../lib/ports.mjs';
import { scalar } from '../lib/infra.mjs';
import { below, noErrors } from '../lib/verdicts.mjs';

export async function hotProduct(ctx) {
  const { config, services, db } = ctx;
  const id = ctx.hotProductId;
  const mainLikes = () => scalar(db.main, 'SELECT likes FROM products WHERE id = ?', [id]);
  const adminLikes = () => scalar(db.admin, 'SELECT likes FROM products WHERE id = ?', [id]);
  const before = { main: await mainLikes(), admin: await adminLikes() };
  const started = performance.now();
  const result = await ctx.phase('3-hot', () =>
    measure({
      url: services.mainUrl,
      connections: config.connections,
      seconds: config.seconds,
      warmupSeconds: config.warmupSeconds,
      requests: ctx.traffic.hot(id),
    }),
  );
  const loadSeconds = (performance.now() - started) / 1000;
  const atEnd = { main: await mainLikes(), admin: await adminLikes() };
  // Where the lag sits: not yet published (main's outbox) or published, not yet applied (admin's queue).
  const pipeline = {
    outboxRows: await scalar(db.main, 'SELECT COUNT(*) FROM outbox'),
    adminQueueMessages: await ctx.queueDepth('adminQueue'),
  };
  const lagAtEnd = atEnd.main - atEnd.admin;
  const stopped = performance.now();
  let caughtUpMs = null;
  while (performance.now() - stopped < 30_000) {
    if ((await adminLikes()) >= atEnd.main) {
      caughtUpMs = Math.round(performance.now() - stopped);
      break;
    }
    await sleep(5);
  }
  const likeRate = (atEnd.main - before.main) / loadSeconds;
  const consumedRate = (atEnd.admin - before.admin) / loadSeconds;
  return {
    ...result,
    ratio: likeRate > 0 ? consumedRate / likeRate : null,
    ratioTo: 'like rate (admin applied / main committed)',
    checks: [below('admin caught up after the load', caughtUpMs, 1000, 'ms'), noErrors(result)],
    extra: {
      ...pipeline,
      likeRate,
      consumedRate,
      lagAtEndEvents: lagAtEnd,
      caughtUpMs,
      finalMain: atEnd.main,
      finalAdmin: await adminLikes(),
    },
  };
}
