import type { CrashPoint } from '@catalogue/shared';
import { check, formatReport, type CheckReport } from './checker';
import type { FaultSystem } from './fault-system';
import type { ServiceProcess } from './service-process';
import type { Workload } from './workload';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Scenario {
  name: string;
  /** Injects the fault while the workload runs, and heals it (a finally-block heals links too). */
  fault(system: FaultSystem, workload: Workload): Promise<void>;
  /** Workload length; the fault starts shortly after it. */
  workloadMs?: number;
}

/** Workload, fault, heal, quiescence, check. Servers are restarted even when the fault throws. */
export async function runScenario(system: FaultSystem, workload: Workload, scenario: Scenario, log: (line: string) => void = console.log): Promise<CheckReport> {
  await system.startServices();
  const load = workload.run({ durationMs: scenario.workloadMs ?? 4000 });
  await sleep(700);
  try {
    await scenario.fault(system, workload);
  } finally {
    system.heal();
    await load;
  }
  await system.startServices();
  await system.waitForQuiescence();
  const report = await check(system, workload);
  log(`${formatReport(scenario.name, report)}  (${workload.summary()})`);
  return report;
}

/** Sends likes (and an admin change) until the service exits at its crash point; returns its exit code. */
async function driveUntilCrash(workload: Workload, service: ServiceProcess, trigger: 'like' | 'product-change'): Promise<number | null> {
  const deadline = Date.now() + 20_000;
  const exit = service.exited(25_000);
  let exited = false;
  void exit.then(() => (exited = true), () => undefined);
  while (!exited && Date.now() < deadline) {
    const live = workload.liveProducts();
    if (trigger === 'like') await workload.like(live[Math.floor(Math.random() * live.length)]!, `crash-${Date.now()}-${Math.random()}`);
    else await workload.create();
    await sleep(50);
  }
  return (await exit).code;
}

function crashScenario(serviceName: 'main' | 'admin', point: CrashPoint, trigger: 'like' | 'product-change'): Scenario {
  return {
    name: `crash ${serviceName} at ${point}`,
    workloadMs: 1500,
    async fault(system, workload) {
      const service = serviceName === 'main' ? system.main : system.admin;
      await service.stop();
      try {
        await service.start({ CRASH_POINT: point });
      } catch (err) {
        // Work that arrived while it was starting (e.g. an outbox row to relay) may reach the
        // crash point before the process answers /ready: that is the fault we wanted.
        const exit = await service.exited(1000).catch(() => undefined);
        if (exit?.code === 86) return;
        throw err;
      }
      const code = await driveUntilCrash(workload, service, trigger);
      if (code !== 86) throw new Error(`${serviceName}-service did not stop at crash point ${point} (exit ${code}):\n${service.tail()}`);
    },
  };
}

async function withDbLockWaits(system: FaultSystem, workload: Workload): Promise<void> {
  // Hold the hot product's row lock from outside while likes arrive, with a short lock-wait
  // timeout: admin's counter update hits 1205 and must retry the whole transaction.
  const hot = workload.liveProducts()[0]!;
  await system.adminSql.query('SET GLOBAL innodb_lock_wait_timeout = 1');
  const conn = await system.adminSql.getConnection();
  try {
    await conn.query('START TRANSACTION');
    await conn.query('SELECT id FROM products WHERE id = ? FOR UPDATE', [hot]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => workload.like(hot, `hot-${Date.now()}-${i}`)));
    await sleep(2500);
    await conn.query('ROLLBACK');
  } finally {
    conn.release();
    await system.adminSql.query('SET GLOBAL innodb_lock_wait_timeout = 50');
  }
}

export const SCENARIOS: Record<string, Scenario> = {
  'broker restarted cleanly': { name: 'broker restarted cleanly', fault: (s) => s.broker.restartClean() },
  'broker killed hard': {
    name: 'broker killed hard',
    async fault(s) {
      await s.broker.killHard();
      await sleep(1000);
      await s.broker.start();
    },
  },
  'all broker connections closed': { name: 'all broker connections closed', fault: (s) => s.broker.closeAllConnections() },
  'broker paused past the heartbeat': {
    name: 'broker paused past the heartbeat',
    workloadMs: 9000,
    async fault(s) {
      await s.broker.pause();
      try {
        await sleep(7000);
      } finally {
        await s.broker.resume();
      }
    },
  },
  'client-to-broker blackhole': {
    name: 'client-to-broker blackhole',
    workloadMs: 8000,
    async fault(s) {
      s.proxies.mainBroker.setMode('blackhole');
      s.proxies.adminBroker.setMode('blackhole');
      await sleep(6000);
      s.proxies.mainBroker.cutAll();
      s.proxies.adminBroker.cutAll();
    },
  },
  'broker connection flapping': {
    name: 'broker connection flapping',
    workloadMs: 5000,
    async fault(s) {
      for (let i = 0; i < 6; i++) {
        s.proxies.mainBroker.cutAll();
        s.proxies.adminBroker.cutAll();
        await sleep(500);
      }
    },
  },
  "main's database killed and restarted": { name: "main's database killed and restarted", fault: (s) => s.mainDb.restartHard() },
  "admin's database killed and restarted": { name: "admin's database killed and restarted", fault: (s) => s.adminDb.restartHard() },
  'database connections reset': {
    name: 'database connections reset',
    async fault(s) {
      for (let i = 0; i < 3; i++) {
        s.proxies.mainDb.cutAll();
        s.proxies.adminDb.cutAll();
        await sleep(400);
      }
    },
  },
  'lock waits on the like counter': { name: 'lock waits on the like counter', workloadMs: 1000, fault: withDbLockWaits },
  'disk alarm blocks publishers': {
    name: 'disk alarm blocks publishers',
    workloadMs: 6000,
    async fault(s, workload) {
      await s.broker.diskAlarm(true);
      try {
        // The workload's admin worker may delete a product meanwhile (404): try the next live one.
        let during;
        for (const product of workload.liveProducts().slice(0, 3)) {
          during = await workload.like(product, `alarm-${Date.now()}`);
          if (during.status !== 404) break;
        }
        if (during?.outcome !== 'ok') throw new Error(`a like during the disk alarm was not accepted (${during?.status})`);
        await sleep(3000);
      } finally {
        await s.broker.diskAlarm(false);
      }
    },
  },
  'SIGTERM under load (main)': {
    name: 'SIGTERM under load (main)',
    async fault(s) {
      const started = Date.now();
      const exit = await s.main.stop(15_000);
      if (exit.code !== 0) throw new Error(`main-service exited ${exit.code ?? exit.signal} on SIGTERM:\n${s.main.tail()}`);
      if (Date.now() - started > 10_000) throw new Error('main-service took more than 10 s to stop');
    },
  },
  'SIGTERM under load (admin)': {
    name: 'SIGTERM under load (admin)',
    async fault(s) {
      const exit = await s.admin.stop(15_000);
      if (exit.code !== 0) throw new Error(`admin-service exited ${exit.code ?? exit.signal} on SIGTERM:\n${s.admin.tail()}`);
    },
  },
  'crash main after-like-commit': crashScenario('main', 'after-like-commit', 'like'),
  'crash main after-publish-before-confirm': crashScenario('main', 'after-publish-before-confirm', 'like'),
  'crash main after-confirm-before-mark-sent': crashScenario('main', 'after-confirm-before-mark-sent', 'like'),
  'crash main after-consume-commit-before-ack': crashScenario('main', 'after-consume-commit-before-ack', 'product-change'),
  'crash admin after-publish-before-confirm': crashScenario('admin', 'after-publish-before-confirm', 'product-change'),
  'crash admin after-confirm-before-mark-sent': crashScenario('admin', 'after-confirm-before-mark-sent', 'product-change'),
  'crash admin after-consume-commit-before-ack': crashScenario('admin', 'after-consume-commit-before-ack', 'like'),
};

export const CI_SUBSET = [
  'broker restarted cleanly',
  "main's database killed and restarted",
  'crash main after-like-commit',
  'crash main after-publish-before-confirm',
  'crash main after-confirm-before-mark-sent',
  'crash main after-consume-commit-before-ack',
  'crash admin after-publish-before-confirm',
  'crash admin after-confirm-before-mark-sent',
  'crash admin after-consume-commit-before-ack',
];

/** Admin creates products while main has never run; main catches up when it starts. */
export async function adminBeforeMainEverStarted(system: FaultSystem, workload: Workload, log: (line: string) => void = console.log): Promise<CheckReport> {
  await system.admin.start();
  for (let i = 0; i < 5; i++) await workload.create();
  await system.main.start();
  await system.waitForQuiescence();
  const report = await check(system, workload);
  log(`${formatReport('admin creates products before main ever started', report)}  (${workload.summary()})`);
  return report;
}
