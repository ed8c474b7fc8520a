import type { AdminSnapshotRow, MainSnapshotRow } from '@catalogue/shared';

/** What a repair does: admin re-announces a product, or main re-announces a product's likes and their removals. */
export type Repair =
  { action: 'announce_product'; productId: number; atLeastVersion: number } | { action: 'announce_likes'; productId: number };

export type DriftKind =
  | 'missing_in_main'
  | 'stale_in_main'
  | 'deleted_in_admin_live_in_main'
  | 'live_in_admin_deleted_in_main'
  | 'unknown_to_admin'
  | 'likes_missing_in_admin'
  | 'likes_extra_in_admin'
  | 'main_like_count_mismatch';

export interface Drift {
  kind: DriftKind;
  productId: number;
  detail: string;
  /** Undefined when the event path cannot repair it (an operator has to look). */
  repair?: Repair;
}

/**
 * Compares admin's products (the truth for products) with main's copy and admin's like counts
 * with main's like rows (the truth for likes: a like taken back has left them). Pure: the same two
 * snapshots give the same drift.
 */
export function findDrift(adminRows: AdminSnapshotRow[], mainRows: MainSnapshotRow[]): Drift[] {
  const mainById = new Map(mainRows.map((row) => [row.id, row]));
  const adminIds = new Set(adminRows.map((row) => row.id));
  const drift: Drift[] = [];
  for (const admin of adminRows) {
    const main = mainById.get(admin.id);
    const productId = admin.id;
    if (admin.deleted) {
      if (main && !main.deleted) {
        drift.push({
          kind: 'deleted_in_admin_live_in_main',
          productId,
          detail: `deleted in admin (v${admin.version}), live in main (v${main.version})`,
          repair: announce(productId, main),
        });
      }
      continue;
    }
    if (!main) {
      drift.push({
        kind: 'missing_in_main',
        productId,
        detail: `live in admin (v${admin.version}), absent from main`,
        repair: announce(productId),
      });
      continue;
    }
    if (main.deleted) {
      // Tombstones are final by design; only an operator can judge how admin's product came back.
      drift.push({
        kind: 'live_in_admin_deleted_in_main',
        productId,
        detail: `live in admin (v${admin.version}), a tombstone in main (v${main.version})`,
      });
      continue;
    }
    const differing = (['title', 'image', 'version'] as const).filter((field) => admin[field] !== main[field]);
    if (differing.length > 0) {
      const shown = differing
        .map((field) => `${field} ${JSON.stringify(main[field])} in main, ${JSON.stringify(admin[field])} in admin`)
        .join('; ');
      drift.push({ kind: 'stale_in_main', productId, detail: shown, repair: announce(productId, main) });
    }
    const removed = main.removedLikes > 0 ? ` (and ${main.removedLikes} taken back)` : '';
    if (admin.likes < main.likeRows) {
      drift.push({
        kind: 'likes_missing_in_admin',
        productId,
        detail: `admin counts ${admin.likes}, main has ${main.likeRows} likes${removed}`,
        repair: { action: 'announce_likes', productId },
      });
    } else if (admin.likes > main.likeRows) {
      // Repairable only as far as main's removals go: admin may have missed an unlike, and
      // re-announcing them takes back exactly the ones it still counts (decision 0024). Without
      // any, nothing main holds can explain the extra.
      drift.push({
        kind: 'likes_extra_in_admin',
        productId,
        detail: `admin counts ${admin.likes}, main has only ${main.likeRows} likes${removed}`,
        ...(main.removedLikes > 0 ? { repair: { action: 'announce_likes' as const, productId } } : {}),
      });
    }
  }
  for (const main of mainRows) {
    if (!adminIds.has(main.id) && !main.deleted) {
      drift.push({ kind: 'unknown_to_admin', productId: main.id, detail: `live in main (v${main.version}), admin has no such product` });
    }
    if (main.likes !== main.likeRows) {
      drift.push({
        kind: 'main_like_count_mismatch',
        productId: main.id,
        detail: `main's likes column says ${main.likes}, its likes table has ${main.likeRows}`,
      });
    }
  }
  return drift.sort((a, b) => a.productId - b.productId || a.kind.localeCompare(b.kind));
}

/** A new version above what main holds, so main applies the re-announced state. */
function announce(productId: number, main?: MainSnapshotRow): Repair {
  return { action: 'announce_product', productId, atLeastVersion: main ? main.version + 1 : 0 };
}
