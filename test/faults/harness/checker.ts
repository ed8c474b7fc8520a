import type { FaultSystem } from './fault-system';
import type { Workload } from './workload';

export interface CheckReport {
  lost: number;
  duplicated: number;
  unexpected: number;
  recovered: number;
  deadLettered: number;
  problems: string[];
}

interface ProductRow {
  id: number;
  title: string;
  image: string;
  version: number;
  likes: number;
  deleted_at: Date | null;
}

/**
 * Compares what the workload was told with what both services hold after quiescence:
 * every ok like exists exactly once in main; admin's count of each live product equals main's like
 * rows; main's live products equal admin's (id, title, image, version); no deleted product is live
 * again; nothing exists that no request could have caused.
 */
export async function check(system: FaultSystem, workload: Workload): Promise<CheckReport> {
  const report: CheckReport = { lost: 0, duplicated: 0, unexpected: 0, recovered: 0, deadLettered: 0, problems: [] };
  const problem = (kind: 'lost' | 'duplicated' | 'unexpected', text: string) => {
    report[kind]++;
    if (report.problems.length < 20) report.problems.push(`${kind}: ${text}`);
  };

  const [likeRows] = (await system.mainSql.query('SELECT id, product_id, user_id FROM likes')) as unknown as [{ id: string; product_id: number; user_id: string }[]];
  const [mainProducts] = (await system.mainSql.query('SELECT id, title, image, version, likes, deleted_at FROM products')) as unknown as [ProductRow[]];
  const [adminProducts] = (await system.adminSql.query('SELECT id, title, image, version, likes, deleted_at FROM products')) as unknown as [ProductRow[]];

  // Likes: ok ones exist (with the id main answered); every row is explained by some request.
  const rowsById = new Map(likeRows.map((row) => [row.id, row]));
  const rowsByPair = new Map(likeRows.map((row) => [`${row.product_id}/${row.user_id}`, row]));
  for (const attempt of workload.likes.filter((a) => a.outcome === 'ok')) {
    if (!attempt.likeId || !rowsById.has(attempt.likeId)) problem('lost', `like ${attempt.likeId} of ${attempt.userId} on product ${attempt.productId} was answered 200 but is not in main`);
  }
  const okIds = new Set(workload.likes.filter((a) => a.outcome === 'ok').map((a) => a.likeId));
  const unknownPairs = new Set(workload.likes.filter((a) => a.outcome === 'unknown').map((a) => `${a.productId}/${a.userId}`));
  for (const [pair, row] of rowsByPair) {
    if (okIds.has(row.id)) continue;
    if (unknownPairs.has(pair)) report.recovered++;
    else problem('unexpected', `like row ${row.id} (${pair}) matches no accepted or unknown request`);
  }

  // Counts: admin's counter and main's own counter both equal main's like rows.
  const rowsPerProduct = new Map<number, number>();
  for (const row of likeRows) rowsPerProduct.set(Number(row.product_id), (rowsPerProduct.get(Number(row.product_id)) ?? 0) + 1);
  const mainById = new Map(mainProducts.map((p) => [Number(p.id), p]));
  for (const admin of adminProducts.filter((p) => p.deleted_at === null)) {
    const rows = rowsPerProduct.get(Number(admin.id)) ?? 0;
    if (Number(admin.likes) > rows) problem('duplicated', `admin counts ${admin.likes} likes on product ${admin.id}, main has ${rows}`);
    if (Number(admin.likes) < rows) problem('lost', `admin counts ${admin.likes} likes on product ${admin.id}, main has ${rows}`);
    const main = mainById.get(Number(admin.id));
    if (main && Number(main.likes) !== rows) problem('unexpected', `main's counter says ${main.likes} on product ${admin.id} but it has ${rows} like rows`);
  }

  // Products: main's live set equals admin's live set, field by field.
  for (const admin of adminProducts) {
    const main = mainById.get(Number(admin.id));
    if (admin.deleted_at === null) {
      if (!main || main.deleted_at !== null) problem('lost', `product ${admin.id} is live in admin but ${main ? 'deleted' : 'missing'} in main`);
      else if (main.title !== admin.title || main.image !== admin.image || Number(main.version) !== Number(admin.version)) {
        problem('lost', `product ${admin.id} differs: admin v${admin.version} "${admin.title}", main v${main.version} "${main.title}"`);
      }
    } else if (main && main.deleted_at === null) {
      problem('unexpected', `product ${admin.id} was deleted in admin but is live in main`);
    }
  }
  const adminIds = new Set(adminProducts.map((p) => Number(p.id)));
  for (const main of mainProducts) {
    if (main.deleted_at === null && !adminIds.has(Number(main.id))) problem('unexpected', `main has product ${main.id} that admin never had`);
  }

  const queues = await system.readyMessages();
  report.deadLettered = queues.mainDead + queues.adminDead;
  return report;
}

export function formatReport(name: string, report: CheckReport): string {
  const head = `[${name}] lost=${report.lost} duplicated=${report.duplicated} unexpected=${report.unexpected} recovered=${report.recovered} dead-lettered=${report.deadLettered}`;
  return [head, ...report.problems.map((p) => `  ${p}`)].join('\n');
}
