import type { DataSource } from 'typeorm';
import { pingDatabase } from '../db/data-source';

export type DependencyState = 'up' | 'down';
export type Dependency = 'database' | 'broker';

/** The detailed report (`GET /api/health`): every dependency's state, and which of them readiness needs. */
export interface HealthReport {
  /** The readiness verdict: `ok` exactly when `/readyz` answers 200. */
  status: 'ok' | 'unavailable';
  checks: Record<Dependency, DependencyState>;
  /** The checks readiness requires; the others are reported only. */
  required: Dependency[];
  /** Shutting down: not ready, whatever the checks say. */
  draining: boolean;
}

/** What `/readyz` answers: the verdict, and what stands in the way when there is something. */
export interface ReadinessAnswer {
  status: 'ok' | 'unavailable';
  failing?: (Dependency | 'draining')[];
}

/**
 * What a process needs to do its job. An API process needs only its database: the outbox keeps
 * every write while the broker is away, so taking it out of its Service then would refuse the very
 * traffic the outbox exists to accept. A process without an API (a consumer, a relay) has no other
 * job than the broker's, so it needs the broker too.
 */
export function readinessRequires(role: 'api' | 'worker'): Dependency[] {
  return role === 'api' ? ['database'] : ['database', 'broker'];
}

export interface HealthSources {
  dataSource: DataSource;
  broker: { isConnected(): boolean };
  required: Dependency[];
  isDraining: () => boolean;
}

export async function checkHealth(sources: HealthSources): Promise<HealthReport> {
  const checks: Record<Dependency, DependencyState> = {
    database: (await pingDatabase(sources.dataSource)) ? 'up' : 'down',
    broker: sources.broker.isConnected() ? 'up' : 'down',
  };
  const draining = sources.isDraining();
  const ok = !draining && sources.required.every((dependency) => checks[dependency] === 'up');
  return { status: ok ? 'ok' : 'unavailable', checks, required: [...sources.required], draining };
}

/** `/readyz`'s short answer, from the same report (one verdict for both routes). */
export function readinessOf(report: HealthReport): ReadinessAnswer {
  if (report.status === 'ok') return { status: 'ok' };
  const failing: ReadinessAnswer['failing'] = report.required.filter((dependency) => report.checks[dependency] !== 'up');
  if (report.draining) failing.unshift('draining');
  return { status: 'unavailable', failing };
}

export const httpStatusOf = (verdict: { status: 'ok' | 'unavailable' }): 200 | 503 => (verdict.status === 'ok' ? 200 : 503);

/** Liveness (`/livez`, and `/ready` for older probes): the process answers; it touches nothing. */
export const LIVENESS_ANSWER = { status: 'ok' } as const;
