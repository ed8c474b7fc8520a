import { dbTrouble, deltaOf, innodbLockTimeouts, proveEach } from './probes';
import type { FaultContext, Scenario } from './runner';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
      await evidence.waitFor(
        'the database timed out a lock wait',
        () => innodbLockTimeouts(system.adminSql),
        (n) => n > timeoutsBefore,
      );
      await evidence.waitFor(
        "admin retried a transaction after a conflict (its pool's sessions have the 1 s timeout)",
        () => deltaOf(retries),
        (n) => n >= 1,
      );
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

/** Databases killed, connections reset, lock waits: proven by the services' transaction retries and InnoDB. */
export const DATABASE_SCENARIOS: Scenario[] = [
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
  {
    name: 'lock waits on the like counter',
    proves: "lock-wait timeouts (1205) on admin's like counter are retried whole and count each like once",
    workloadMs: 1000,
    fault: withDbLockWaits,
  },
];
