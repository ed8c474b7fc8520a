import type { CrashPoint } from '@catalogue/shared';
import { readMetric, ServiceCounter } from './evidence';
import { METRICS } from './probes';
import type { FaultContext, Scenario } from './runner';
import type { ServiceProcess } from './service-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Trigger = 'like' | 'unlike' | 'product-change';

/** Sends likes (liked and taken back, for unlikes) or admin changes until the service exits at its crash point; returns its exit code. */
async function driveUntilCrash({ workload, random }: FaultContext, service: ServiceProcess, trigger: Trigger): Promise<number | null> {
  const deadline = Date.now() + 20_000;
  const exit = service.exited(25_000);
  let exited = false;
  void exit.then(
    () => (exited = true),
    () => undefined,
  );
  for (let n = 0; !exited && Date.now() < deadline; n++) {
    const live = workload.liveProducts();
    // The seeded generator, so FAULT_SEED replays the same requests.
    if (trigger === 'product-change') {
      await workload.create('crash-driver');
    } else {
      const productId = live[Math.floor(random() * live.length)]!;
      const userId = `crash-${n}-${Math.floor(random() * 1e9)}`;
      const liked = await workload.like(productId, userId, 'crash-driver');
      if (trigger === 'unlike' && liked.status === 'ok') await workload.unlike(productId, userId, 'crash-driver');
    }
    await sleep(50);
  }
  return (await exit).code;
}

/**
 * Restarts one service with a crash point armed and drives it until it exits there (code 86).
 * `duplicate` says where the crash must leave a duplicate that an inbox then drops: in the other
 * service's consumer (a message published twice) or in the crashed one's (a delivery redelivered).
 */
function crashScenario(
  serviceName: 'main' | 'admin',
  point: CrashPoint,
  trigger: Trigger,
  proves: string,
  duplicate?: 'other' | 'same',
): Scenario {
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
      evidence.require(
        service.tail(200).includes(`crash point reached: ${point}`),
        `${serviceName}-service logged reaching ${point}`,
        service.tail(3),
      );
      if (!duplicate) return;
      return async () => {
        // After quiescence: the copy the crash left behind reached an inbox and was dropped.
        const dropped = duplicates ? await duplicates.delta() : await readMetric(service, METRICS.duplicatesIgnored);
        evidence.require(
          dropped >= 1,
          `${duplicate === 'other' ? other.name : service.name}-service's inbox dropped a duplicate the crash caused`,
          dropped,
        );
      };
    },
  };
}

/** Graceful stops, a consumer catching up on a backlog, and every crash point. */
export const PROCESS_SCENARIOS: Scenario[] = [
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
    proves:
      'main, away while staff create, edit and delete products, applies the backlog in batches that run handlers by event type, so out of version order: versions and tombstones make it end exactly as admin',
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
        if (edited.productId)
          backlog.push(await workload.update(edited.productId, 'backlog'), await workload.update(edited.productId, 'backlog'));
        const removed = await workload.create('backlog');
        backlog.push(removed);
        if (removed.productId) backlog.push(await workload.remove(removed.productId, 'backlog'));
      }
      evidence.require(
        backlog.filter((op) => op.status === 'ok').length >= 25,
        'admin accepted the changes main is to catch up on',
        backlog.filter((op) => op.status === 'ok').length,
      );
      await system.main.start();
      return async () => {
        const stale = await readMetric(system.main, METRICS.eventsStale);
        evidence.require(
          stale >= 1,
          'main applied part of the backlog out of order (events older than what it had changed nothing)',
          stale,
        );
      };
    },
  },
  crashScenario(
    'main',
    'after-like-commit',
    'like',
    'main dies right after a like commits, before the relay hears of it: the sweep publishes it after the restart',
  ),
  crashScenario(
    'main',
    'after-unlike-commit',
    'unlike',
    'main dies right after an unlike commits, before the relay hears of it: the sweep publishes product_unliked after the restart and admin counts the like down once',
  ),
  crashScenario(
    'main',
    'after-publish-before-confirm',
    'like',
    "main dies once the broker holds a like's message, before the relay sees the confirm: it is published again and admin's inbox drops the copy",
    'other',
  ),
  crashScenario(
    'main',
    'after-confirm-before-mark-sent',
    'like',
    "main dies after the confirms, before deleting the rows: republished, admin's inbox drops the copies",
    'other',
  ),
  crashScenario(
    'main',
    'after-consume-commit-before-ack',
    'product-change',
    "main dies after applying a product change, before the ack: redelivered, main's inbox drops it",
    'same',
  ),
  crashScenario(
    'admin',
    'after-publish-before-confirm',
    'product-change',
    "admin dies once the broker holds a change's message, before the relay sees the confirm: main's inbox drops the copy",
    'other',
  ),
  crashScenario(
    'admin',
    'after-confirm-before-mark-sent',
    'product-change',
    "admin dies after the confirms, before deleting the rows: main's inbox drops the copies",
    'other',
  ),
  crashScenario(
    'admin',
    'after-consume-commit-before-ack',
    'like',
    "admin dies after counting a like, before the ack: redelivered, admin's inbox drops it",
    'same',
  ),
];
