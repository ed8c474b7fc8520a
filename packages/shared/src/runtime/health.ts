import type { DataSource } from 'typeorm';
import { pingDatabase } from '../db/data-source';

export type DependencyState = 'up' | 'down';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: { database: DependencyState; broker: DependencyState };
}

/** Readiness: the database answers a query and the broker connection is open. */
export async function checkHealth(dataSource: DataSource, broker: { isConnected(): boolean }, draining = false): Promise<HealthReport> {
  const database: DependencyState = (await pingDatabase(dataSource)) ? 'up' : 'down';
  const brokerState: DependencyState = broker.isConnected() ? 'up' : 'down';
  const ok = !draining && database === 'up' && brokerState === 'up';
  return { status: ok ? 'ok' : 'unavailable', checks: { database, broker: brokerState } };
}
