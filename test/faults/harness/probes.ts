import type { Pool } from 'mysql2/promise';
import { type Evidence, ServiceCounter } from './evidence';
import type { FaultSystem } from './fault-system';
import type { ServiceProcess } from './service-process';

/**
 * The observations faults are proven by: counters the services themselves export on GET /metrics
 * (so a fault counts only if the code under test noticed it), and the database server's own.
 */
export const METRICS = {
  brokerLost: 'catalogue_broker_connections_lost_total',
  brokerConnectFailures: 'catalogue_broker_connect_failures_total',
  brokerBlocked: 'catalogue_broker_blocked_total',
  dbRetries: 'catalogue_db_transaction_retries_total',
  dbFailures: 'catalogue_db_transaction_failures_total',
  duplicatesIgnored: 'catalogue_events_duplicates_ignored_total',
  eventsStale: 'catalogue_events_stale_total',
} as const;

/** A named counter of one service, e.g. "main publisher heartbeat timeouts". */
export interface Watched {
  label: string;
  counters: ServiceCounter[];
}

async function watch(label: string, service: ServiceProcess, reads: [string, Record<string, string>][]): Promise<Watched> {
  return { label, counters: await Promise.all(reads.map(([name, labels]) => ServiceCounter.read(service, name, labels))) };
}

/** Both broker connections (publisher, consumer) of both services, counting losses (of one reason, if given). */
export async function brokerLosses(system: FaultSystem, reason?: string): Promise<Watched[]> {
  const watched: Watched[] = [];
  for (const service of [system.main, system.admin]) {
    for (const connection of ['publisher', 'consumer']) {
      watched.push(
        await watch(`${service.name} ${connection} connection lost${reason ? ` (${reason})` : ''}`, service, [
          [METRICS.brokerLost, { connection, ...(reason ? { reason } : {}) }],
        ]),
      );
    }
  }
  return watched;
}

export async function brokerConnectFailures(system: FaultSystem): Promise<Watched[]> {
  return Promise.all(
    [system.main, system.admin].map((s) => watch(`${s.name} failed broker connects`, s, [[METRICS.brokerConnectFailures, {}]])),
  );
}

/** Transactions retried or failed for a `kind` (connection, conflict) in one service. */
export async function dbTrouble(service: ServiceProcess, kind: 'connection' | 'conflict'): Promise<Watched> {
  return watch(`${service.name} transactions retried or failed (${kind})`, service, [
    [METRICS.dbRetries, { kind }],
    [METRICS.dbFailures, { kind }],
  ]);
}

export async function deltaOf(watched: Watched): Promise<number> {
  let sum = 0;
  for (const counter of watched.counters) sum += await counter.delta();
  return sum;
}

/** Waits until every watched counter grew by `min`; the scenario fails (fault not proven) otherwise. */
export async function proveEach(evidence: Evidence, watched: Watched[], min = 1, timeoutMs = 30_000): Promise<void> {
  await Promise.all(
    watched.map((w) =>
      evidence.waitFor(
        `${w.label} rose by ${min}`,
        () => deltaOf(w),
        (d) => d >= min,
        timeoutMs,
      ),
    ),
  );
}

/** InnoDB's own count of lock-wait timeouts on a server (enabled by default in MariaDB 10.11). */
export async function innodbLockTimeouts(sql: Pick<Pool, 'query'>): Promise<number> {
  const [rows] = (await sql.query("SELECT COUNT AS n FROM information_schema.INNODB_METRICS WHERE NAME = 'lock_timeouts'")) as unknown as [
    { n: number }[],
  ];
  return Number(rows[0]?.n ?? 0);
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
