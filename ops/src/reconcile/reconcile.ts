import { findDrift, type Drift } from './drift';
import type { ServicesClient } from './services.client';

export interface ReconcileReport {
  adminProducts: number;
  mainProducts: number;
  drift: Drift[];
  /** Filled with --repair: what was sent down the event path, and what failed to be. */
  repaired: Drift[];
  failed: { drift: Drift; error: string }[];
}

/**
 * Reads both services' snapshots, reports the drift and, when asked, repairs what the event path
 * can: every repair is an ordinary, idempotent event (a newer product version, or likes under
 * their original ids), so running it twice or during live traffic is safe.
 */
export async function reconcile(client: ServicesClient, options: { repair: boolean }): Promise<ReconcileReport> {
  // Main first: a like committed between the two reads then shows as missing in admin (repair is a no-op), never as extra.
  const mainRows = await client.mainSnapshot();
  const adminRows = await client.adminSnapshot();
  const drift = findDrift(adminRows, mainRows);
  const report: ReconcileReport = { adminProducts: adminRows.length, mainProducts: mainRows.length, drift, repaired: [], failed: [] };
  if (!options.repair) return report;
  for (const item of drift) {
    if (!item.repair) continue;
    try {
      if (item.repair.action === 'announce_product') await client.announceProduct(item.productId, item.repair.atLeastVersion);
      else await client.announceLikes(item.productId);
      report.repaired.push(item);
    } catch (err) {
      report.failed.push({ drift: item, error: (err as Error).message });
    }
  }
  return report;
}

/** The report as an operator reads it: one line per drift, then a summary. */
export function formatReport(report: ReconcileReport, repair: boolean): string {
  const lines = [`compared ${report.adminProducts} products in admin with ${report.mainProducts} in main`];
  for (const item of report.drift) {
    const how = item.repair
      ? repair
        ? report.repaired.includes(item)
          ? 'repair sent'
          : 'REPAIR FAILED'
        : 'repairable'
      : 'NOT repairable by events';
    lines.push(`  product ${item.productId}  ${item.kind}: ${item.detail}  [${how}]`);
  }
  for (const failure of report.failed) lines.push(`  product ${failure.drift.productId}: ${failure.error}`);
  const counts = new Map<string, number>();
  for (const item of report.drift) counts.set(item.kind, (counts.get(item.kind) ?? 0) + 1);
  const byKind = [...counts].map(([kind, n]) => `${kind} ${n}`).join(', ');
  const repairable = report.drift.filter((d) => d.repair).length;
  lines.push(
    `drift: ${report.drift.length}${byKind ? ` (${byKind})` : ''}; repairable: ${repairable}; not repairable: ${report.drift.length - repairable}`,
  );
  if (repair)
    lines.push(
      `repairs sent: ${report.repaired.length}; failed: ${report.failed.length} (the events apply asynchronously; run reconcile again to confirm)`,
    );
  return lines.join('\n');
}

/** 0: no drift (or every drift repaired); 1: drift left; the CLI uses 2 for a failure to compare at all. */
export function exitCodeOf(report: ReconcileReport, repair: boolean): number {
  if (report.drift.length === 0) return 0;
  if (!repair) return 1;
  return report.failed.length === 0 && report.repaired.length === report.drift.length ? 0 : 1;
}
