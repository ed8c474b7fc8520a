import type { CrashPoint } from '@catalogue/shared';
import { readMetric, ServiceCounter } from './evidence';
import type { FaultSystem } from './fault-system';
import { brokerConnectFailures, brokerLosses, dbTrouble, deltaOf, innodbLockTimeouts, median, METRICS, proveEach } from './probes';
import type { FaultContext, OutcomeCheck, Scenario } from './runner';
import type { ServiceProcess } from './service-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends likes (or admin changes) until the service exits at its crash point; returns its exit code. */
async function driveUntilCrash({ workload, random }: FaultContext, service: ServiceProcess, trigger: 'like' | 'product-change'): Promise<number | null> {
  const deadline = Date.now() + 20_000;
  const exit = service.exited(25_000);
  let exited = false;
  void exit.then(() => (exited = true), () => undefined);
  for (let n = 0; !exited && Date.now() < deadline; n++) {
    const live = workload.liveProducts();
    // The seeded generator, so FAULT_SEED replays the same requests.
    if (trigger === 'like') await workload.like(live[Math.floor(random() * live.length)]!, `crash-${n}-${Math.floor(random() * 1e9)}`, 'crash-driver');
    else await workload.create('crash-driver');
    await sleep(50);
  }
  return (await exit).code;
}

/**
 * Restarts one service with a crash point armed and drives it until it exits there (code 86).
 * `duplicate` says where the crash must leave a duplicate that an inbox then drops: in the other
 * service's consumer (a message published twice) or in the crashed one's (a delivery redelivered).
 */
function crashScenario(serviceName: 'main' | 'admin', point: CrashPoint, trigger: 'like' | 'product-change', proves: string, duplicate?: 'other' | 'same'): Scenario {
  return {
    name: `crash ${serviceName} at ${point}`,
    proves,
    workloadMs: 1500,
    async fault(ctx) {
      const { system, evidence } = ctx;
      const service = serviceName === 'main' ? system.main : system.admin;
      const other = serviceName === 'main' ? system.admin : system.main;
      const duplicates = duplicate === 'other' ? await ServiceCounter.read(other, METRICS.duplicatesIgnored) : undefined;
      await service.stop();
      let code: number | null | undefined;
      try {
        await service.start({ CRASH_POINT: point });
      } catch (err) {
        // Work that arrived while it was starting (e.g. an outbox row to relay) may reach the
        // crash point before the process answers /ready: that is the fault we wanted.
        code = (await service.exited(1000).catch(() => undefined))?.code;
        if (code !== 86) throw err;
      }
      code ??= await driveUntilCrash(ctx, service, trigger);
      evidence.require(code === 86, `${serviceName}-service exited with the crash point's code 86`, code);
      evidence.require(service.tail(200).includes(`crash point reached: ${point}`), `${serviceName}-service logged reaching ${point}`, service.tail(3));
      if (!duplicate) return;
      return async () => {
        // After quiescence: the copy the crash left behind reached an inbox and was dropped.
        const dropped = duplicates ? await duplicates.delta() : await readMetric(service, METRICS.duplicatesIgnored);
        evidence.require(dropped >= 1, `${duplicate === 'other' ? other.name : service.name}-service's inbox dropped a duplicate the crash caused`, dropped);
      };
    },
  };
}

/** Both services' broker connections are lost (for `reason`) while `inject` runs its fault. */
async function brokerFault(system: FaultSystem, reason: string | undefined, ctx: FaultContext, inject: () => Promise<void>): Promise<void> {
  const losses = await brokerLosses(system, reason);
  await inject();
  await proveEach(ctx.evidence, losses);
}

async function withDbLockWaits({ system, workload, evidence }: FaultContext): Promise<void> {
  // innodb_lock_wait_timeout is read when a session opens: the open pool connections keep theirs.
  // So the global value changes first and admin restarts, and every connection it opens has 1 s.
  await system.adminSql.query('SET GLOBAL innodb_lock_wait_timeout = 1');
  try {
    await system.admin.stop();
    await system.admin.start();
    const retries = await dbTrouble(system.admin, 'conflict');
    const timeoutsBefore = await innodbLockTimeouts(system.adminSql);
    const hot = workload.liveProducts()[0]!;
    const conn = await system.adminSql.getConnection();
    let holding = true;
    const likes = (async () => {
      for (let i = 0; holding; i++) {
        await workload.like(hot, `hot-${Date.now()}-${i}`, 'hot-liker');
        await sleep(100);
      }
    })();
    try {
      // Holds the hot product's row lock while likes for it arrive: admin's counter update waits,
      // times out after 1 s (1205) and must retry its whole transaction.
      await conn.query('START TRANSACTION');
      await conn.query('SELECT id FROM products WHERE id = ? FOR UPDATE', [hot]);
      await evidence.waitFor('the database timed out a lock wait', () => innodbLockTimeouts(system.adminSql), (n) => n > timeoutsBefore);
      await evidence.waitFor("admin retried a transaction after a conflict (its pool's sessions have the 1 s timeout)", () => deltaOf(retries), (n) => n >= 1);
    } finally {
      holding = false;
      await conn.query('ROLLBACK').catch(() => undefined);
      conn.release();
      await likes;
    }
  } finally {
    await system.adminSql.query('SET GLOBAL innodb_lock_wait_timeout = 50');
    // Its sessions still have 1 s: the run's restart after the fault gives it fresh ones.
    await system.admin.stop();
  }
}

/**
 * Slows links for `holdMs`. Proven by the proxies (they delayed traffic) and, after quiescence, by
 * the likes invoked inside the window: they were still accepted, and they took at least `minLikeMs`.
 */
async function slowLinks(ctx: FaultContext, links: ('mainBroker' | 'adminBroker' | 'mainDb' | 'adminDb')[], latencyMs: number, jitterMs: number, holdMs: number, minLikeMs: number): Promise<OutcomeCheck> {
  const { system, workload, evidence, random } = ctx;
  const before = Object.fromEntries(links.map((link) => [link, system.proxies[link].stats().delayedChunks]));
  const start = workload.history.now();
  for (const link of links) system.proxies[link].setMode('latency', { latencyMs, jitterMs, random });
  await sleep(holdMs);
  const end = workload.history.now();
  for (const link of links) {
    const stats = system.proxies[link].stats();
    evidence.require(stats.delayedChunks > before[link]!, `the ${link} link delayed traffic`, stats.delayedChunks - before[link]!);
    evidence.note(`${link}: longest delay so far (ms)`, Math.round(stats.maxDelayMs));
  }
  return async () => {
    const ok = workload.history.operations.filter((op) => op.type === 'like' && op.status === 'ok');
    const inFlight = ok.filter((op) => op.invokedAt < end && op.completedAt! > start);
    const sentDuring = inFlight.filter((op) => op.invokedAt >= start);
    evidence.require(inFlight.length >= 3, 'likes in flight while the links were slow were accepted', inFlight.length);
    const durations = sentDuring.map((op) => op.completedAt! - op.invokedAt);
    evidence.require(sentDuring.length >= 1 && median(durations) >= minLikeMs, `likes sent during the fault were accepted and took at least ${minLikeMs} ms (median)`, { likes: sentDuring.length, medianMs: Math.round(median(durations)) });
  };
}

const ALL: Scenario[] = [
  {
    name: 'broker restarted cleanly',
    proves: 'a broker restart (stop_app/start_app) closes every connection; both services reconnect and lose nothing',
    fault: async (ctx) => brokerFault(ctx.system, 'closed_by_broker', ctx, () => ctx.system.broker.restartClean()),
  },
  {
    name: 'broker killed hard',
    proves: 'SIGKILL of the broker: connections drop, reconnects are refused while it is down, nothing confirmed is lost',
    async fault(ctx) {
      const { system, evidence } = ctx;
      const losses = await brokerLosses(system);
      const refused = await brokerConnectFailures(system);
      evidence.note('killed broker pid', await system.broker.killHard());
      try {
        await proveEach(evidence, refused);
      } finally {
        await system.broker.start();
      }
      await proveEach(evidence, losses);
    },
  },
  {
    name: 'all broker connections closed',
    proves: 'the broker closing every connection (close_all_connections) is survived by reconnecting',
    fault: async (ctx) => brokerFault(ctx.system, 'closed_by_broker', ctx, () => ctx.system.broker.closeAllConnections()),
  },
  {
    name: 'broker paused past the heartbeat',
    proves: 'a broker that stops answering (SIGSTOP) is detected by the heartbeat and survived',
    workloadMs: 9000,
    async fault(ctx) {
      const { system, evidence } = ctx;
      const timeouts = await brokerLosses(system, 'heartbeat_timeout');
      evidence.note('paused broker pid', await system.broker.pause());
      try {
        await proveEach(evidence, timeouts);
      } finally {
        await system.broker.resume();
      }
    },
  },
  {
    name: 'client-to-broker blackhole',
    proves: 'a network that silently drops all broker traffic is detected by the heartbeat; unconfirmed rows stay and go out later',
    workloadMs: 8000,
    async fault(ctx) {
      const { system, evidence } = ctx;
      const timeouts = await brokerLosses(system, 'heartbeat_timeout');
      const links = [system.proxies.mainBroker, system.proxies.adminBroker];
      const swallowed = links.map((p) => p.stats().swallowedBytes);
      for (const link of links) link.setMode('blackhole');
      await proveEach(evidence, timeouts);
      links.forEach((link, i) => evidence.require(link.stats().swallowedBytes > swallowed[i]!, `broker link ${i} swallowed traffic`, link.stats().swallowedBytes - swallowed[i]!));
      for (const link of links) link.cutAll();
    },
  },
  {
    name: 'broker connection flapping',
    proves: 'broker connections cut again and again, every half second, lose nothing',
    workloadMs: 5000,
    async fault(ctx) {
      const { system, evidence } = ctx;
      const losses = await brokerLosses(system, 'connection_lost');
      let cut = 0;
      for (let i = 0; i < 6; i++) {
        cut += system.proxies.mainBroker.cutAll() + system.proxies.adminBroker.cutAll();
        await sleep(500);
      }
      evidence.require(cut >= 4, 'the proxies cut broker connections', cut);
      await proveEach(evidence, losses);
    },
  },
  {
    name: "main's database killed and restarted",
    proves: "SIGKILL of main's MariaDB under likes: transactions fail or retry, none answered ok is lost",
    async fault({ system, evidence }) {
      const trouble = await dbTrouble(system.main, 'connection');
      evidence.note("main's database pids (killed, started)", await system.mainDb.restartHard());
      await proveEach(evidence, [trouble]);
    },
  },
  {
    name: "admin's database killed and restarted",
    proves: "SIGKILL of admin's MariaDB while it counts likes and takes changes: deliveries wait it out, nothing is lost",
    async fault({ system, evidence }) {
      const trouble = await dbTrouble(system.admin, 'connection');
      evidence.note("admin's database pids (killed, started)", await system.adminDb.restartHard());
      await proveEach(evidence, [trouble]);
    },
  },
  {
    name: 'database connections reset',
    proves: 'database connections reset under load: the transactions on them retry (or fail cleanly), nothing half-applied',
    async fault({ system, evidence }) {
      const trouble = [await dbTrouble(system.main, 'connection'), await dbTrouble(system.admin, 'connection')];
      let cut = 0;
      // Cut until both services have felt it: an idle pooled connection dies without a failure.
      for (let round = 0; round < 40; round++) {
        cut += system.proxies.mainDb.cutAll() + system.proxies.adminDb.cutAll();
        await sleep(400);
        if ((await deltaOf(trouble[0]!)) > 0 && (await deltaOf(trouble[1]!)) > 0) break;
      }
      evidence.note('database connections cut', cut);
      await proveEach(evidence, trouble, 1, 1000);
    },
  },
  { name: 'lock waits on the like counter', proves: "lock-wait timeouts (1205) on admin's like counter are retried whole and count each like once", workloadMs: 1000, fault: withDbLockWaits },
  {
    name: 'disk alarm blocks publishers',
    proves: "the broker's disk alarm blocks both publishers; likes and changes are still accepted and go out after it clears",
    workloadMs: 6000,
    async fault({ system, workload, evidence }) {
      const blocked = await Promise.all(
        [system.main, system.admin].map(async (s) => ({ label: `${s.name} publisher blocked by the broker`, counters: [await ServiceCounter.read(s, METRICS.brokerBlocked, { connection: 'publisher' })] })),
      );
      await system.broker.diskAlarm(true);
      try {
        // The workload's admin worker may delete a product meanwhile (404): try the next live one.
        let during;
        for (const product of workload.liveProducts().slice(0, 3)) {
          during = await workload.like(product, `alarm-${Date.now()}`, 'alarm-driver');
          if (during.http !== 404) break;
        }
        evidence.require(during?.status === 'ok', 'a like during the disk alarm was accepted', during?.http);
        await proveEach(evidence, blocked);
      } finally {
        await system.broker.diskAlarm(false);
      }
    },
  },
  {
    name: 'SIGTERM under load (main)',
    proves: 'a graceful stop of main under load drains and exits 0 within its deadline, losing nothing',
    async fault({ system, evidence }) {
      const started = Date.now();
      const exit = await system.main.stop(15_000);
      evidence.require(exit.code === 0, 'main-service exited 0 on SIGTERM', exit.code ?? exit.signal);
      evidence.require(Date.now() - started <= 10_000, 'main-service stopped within 10 s', Date.now() - started);
    },
  },
  {
    name: 'SIGTERM under load (admin)',
    proves: 'a graceful stop of admin under load drains and exits 0, losing nothing',
    async fault({ system, evidence }) {
      const exit = await system.admin.stop(15_000);
      evidence.require(exit.code === 0, 'admin-service exited 0 on SIGTERM', exit.code ?? exit.signal);
    },
  },
  {
    name: 'main catches up on a backlog of product changes',
    proves: "main, away while staff create, edit and delete products, applies the backlog in batches that run handlers by event type, so out of version order: versions and tombstones make it end exactly as admin",
    workloadMs: 3000,
    async fault({ system, workload, evidence }) {
      const exit = await system.main.stop(15_000);
      evidence.require(exit.code === 0, 'main-service stopped cleanly', exit.code ?? exit.signal);
      const backlog = [];
      // The consumer's batch runs handlers by event type in the order the types first appear in
      // it. Each round opens with an update and a delete, so a batch that starts on a round (the
      // first always does) applies a new product's updates before its create (versions must hold)
      // and a new product's delete before its create (the tombstone must hold).
      for (let round = 0; round < 5; round++) {
        backlog.push(await workload.update(workload.pick(workload.liveProducts()), 'backlog'));
        backlog.push(await workload.remove(workload.pick(workload.liveProducts()), 'backlog'));
        const edited = await workload.create('backlog');
        backlog.push(edited);
        if (edited.productId) backlog.push(await workload.update(edited.productId, 'backlog'), await workload.update(edited.productId, 'backlog'));
        const removed = await workload.create('backlog');
        backlog.push(removed);
        if (removed.productId) backlog.push(await workload.remove(removed.productId, 'backlog'));
      }
      evidence.require(backlog.filter((op) => op.status === 'ok').length >= 25, 'admin accepted the changes main is to catch up on', backlog.filter((op) => op.status === 'ok').length);
      await system.main.start();
      return async () => {
        const stale = await readMetric(system.main, METRICS.eventsStale);
        evidence.require(stale >= 1, 'main applied part of the backlog out of order (events older than what it had changed nothing)', stale);
      };
    },
  },
  {
    name: 'latency with jitter on every link',
    proves: '200 ms (±50) on every broker and database link: slower, never wrong',
    workloadMs: 11_000,
    fault: (ctx) => slowLinks(ctx, ['mainBroker', 'adminBroker', 'mainDb', 'adminDb'], 200, 50, 8000, 400),
  },
  {
    name: 'slow database while likes keep coming',
    proves: "250 ms (±100) on both databases' links while likes keep coming: batching keeps accepting them, counts stay exact",
    workloadMs: 11_000,
    fault: (ctx) => slowLinks(ctx, ['mainDb', 'adminDb'], 250, 100, 8000, 500),
  },
  {
    name: 'connections cut in the middle of a frame',
    proves: 'connections to the broker and the databases cut 1-4 bytes into a chunk (a half-sent frame or packet) are survived',
    workloadMs: 6000,
    async fault({ system, evidence, random }) {
      const links = ['mainBroker', 'adminBroker', 'mainDb', 'adminDb'] as const;
      const losses = await brokerLosses(system, 'connection_lost');
      const trouble = [await dbTrouble(system.main, 'connection'), await dbTrouble(system.admin, 'connection')];
      const midChunk = (link: (typeof links)[number]) => system.proxies[link].stats().cutsMidChunk;
      const before = Object.fromEntries(links.map((link) => [link, midChunk(link)]));
      // Rounds until every link has been cut mid-chunk and both services felt a database cut.
      for (let round = 0; round < 12; round++) {
        // 1-4 bytes into the next chunk is inside its first frame: AMQP frame headers are 7
        // bytes, MySQL packet headers 4.
        for (const link of links) system.proxies[link].setMode('close-after', { bytes: 1 + Math.floor(random() * 4) });
        await sleep(1500);
        system.heal();
        await sleep(500);
        const felt = await Promise.all([...trouble, ...losses].map(deltaOf));
        if (links.every((link) => midChunk(link) > before[link]!) && felt.every((n) => n > 0)) break;
      }
      for (const link of links) evidence.require(midChunk(link) > before[link]!, `the ${link} link was cut mid-chunk`, midChunk(link) - before[link]!);
      await proveEach(evidence, trouble, 1, 1000);
      await proveEach(evidence, losses);
    },
  },
  crashScenario('main', 'after-like-commit', 'like', 'main dies right after a like commits, before the relay hears of it: the sweep publishes it after the restart'),
  crashScenario('main', 'after-publish-before-confirm', 'like', "main dies once the broker holds a like's message, before the relay sees the confirm: it is published again and admin's inbox drops the copy", 'other'),
  crashScenario('main', 'after-confirm-before-mark-sent', 'like', "main dies after the confirms, before deleting the rows: republished, admin's inbox drops the copies", 'other'),
  crashScenario('main', 'after-consume-commit-before-ack', 'product-change', "main dies after applying a product change, before the ack: redelivered, main's inbox drops it", 'same'),
  crashScenario('admin', 'after-publish-before-confirm', 'product-change', "admin dies once the broker holds a change's message, before the relay sees the confirm: main's inbox drops the copy", 'other'),
  crashScenario('admin', 'after-confirm-before-mark-sent', 'product-change', "admin dies after the confirms, before deleting the rows: main's inbox drops the copies", 'other'),
  crashScenario('admin', 'after-consume-commit-before-ack', 'like', "admin dies after counting a like, before the ack: redelivered, admin's inbox drops it", 'same'),
];

export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(ALL.map((scenario) => [scenario.name, scenario]));
