import type { Pool } from 'mysql2/promise';
import type { CreateOperation, DeleteOperation, History, LikeOperation, Operation, UnlikeOperation, UpdateOperation } from './history';

/**
 * Judges a recorded History (history.ts) against both services' databases once the system is
 * quiet, Jepsen-style. Usable for any deployment: pass the history and a connection (pool) to
 * each service's database, read from the primary.
 *
 *   const verdict = await check(workload.history, { main: mainPool, admin: adminPool }, { deadLettered });
 *   if (!verdict.valid) console.log(formatVerdict('my scenario', verdict));
 *
 * Every register (a user's like of a product in main; a product in admin) ends in a final state,
 * which must be written by an ok or info operation (never only by a failed one), and every ok
 * operation must be in it or possibly replaced by the writer of it (the writer did not complete
 * before the ok operation began). Then the two services must agree: admin counts each of main's
 * like rows exactly once, main's products equal admin's, tombstones stay. `lost` = an ok operation
 * (or a like) missing; `duplicated` = counted more than once; `unexpected` = a state no ok or info
 * operation explains (a failed operation took effect, a deleted product came back);
 * `recovered` = an info operation that did take effect (allowed).
 *
 * Adding an operation type: give it an effect in `likeEffect` or `productEffect` below; the
 * register rules stay as they are. An unlike writes "absent" to its user x product register, so a
 * like answered ok that an unlike may have followed is not lost, and an unlike answered ok after
 * which the like is still there is; admin's like ledger must agree with main's likes and removals.
 */
export interface Databases {
  main: Pick<Pool, 'query'>;
  admin: Pick<Pool, 'query'>;
}

export type AnomalyKind = 'lost' | 'duplicated' | 'unexpected';

export interface Anomaly {
  kind: AnomalyKind;
  text: string;
  /** History indexes of the operations involved. */
  operations?: number[];
}

export interface Verdict {
  valid: boolean;
  lost: number;
  duplicated: number;
  unexpected: number;
  recovered: number;
  deadLettered: number;
  /** The first anomalies found (all of them are counted above). */
  anomalies: Anomaly[];
  checked: { operations: number; likeRows: number; adminProducts: number; mainProducts: number };
}

const MAX_ANOMALIES = 50;

interface LikeRow {
  id: string;
  product_id: number;
  user_id: string;
}

interface RemovedLikeRow {
  like_id: string;
  product_id: number;
  user_id: string;
}

/** Admin's ledger of likes it applied (decision 0011), with the ones taken back (0024). */
interface LedgerRow {
  like_id: string;
  taken_back: number;
}

interface ProductRow {
  id: number;
  title: string;
  image: string;
  version: number;
  likes: number;
  deleted_at: Date | null;
}

/** The state of one register: present with some content, or absent. `key` compares states. */
interface RegisterState {
  key: string;
  describe: string;
}

const ABSENT: RegisterState = { key: 'absent', describe: 'absent' };

/** What an operation writes to its register, or undefined when it writes nothing (a wildcard: `*`). */
type Effect = RegisterState | undefined;

/**
 * A like writes "liked, with this id"; an info like's id is unknown, so it matches any like. An
 * unlike writes "absent" (nothing to take back is absent too).
 */
function likeEffect(op: LikeOperation | UnlikeOperation): Effect {
  if (op.type === 'unlike') return ABSENT;
  return op.likeId ? { key: `liked:${op.likeId}`, describe: `liked (${op.likeId})` } : { key: 'liked:*', describe: 'liked' };
}

function productEffect(op: CreateOperation | UpdateOperation | DeleteOperation): Effect {
  if (op.type === 'delete') return { key: 'deleted', describe: 'deleted' };
  return { key: `live:${op.title}`, describe: `"${op.title}"` };
}

const matches = (effect: Effect, state: RegisterState) =>
  effect !== undefined && (effect.key === state.key || (effect.key.endsWith(':*') && state.key.startsWith(effect.key.slice(0, -1))));

class Report {
  readonly verdict: Verdict = {
    valid: true,
    lost: 0,
    duplicated: 0,
    unexpected: 0,
    recovered: 0,
    deadLettered: 0,
    anomalies: [],
    checked: { operations: 0, likeRows: 0, adminProducts: 0, mainProducts: 0 },
  };

  add(kind: AnomalyKind, text: string, operations?: Operation[]): void {
    this.verdict[kind]++;
    this.verdict.valid = false;
    if (this.verdict.anomalies.length < MAX_ANOMALIES)
      this.verdict.anomalies.push({ kind, text, operations: operations?.map((op) => op.index) });
  }
}

/**
 * One register's rules. `ops` are every operation on it (any status), `state` its final state.
 * Returns the operation judged to have written the state (for further checks), if any.
 */
function checkRegister<T extends Operation>(
  report: Report,
  name: string,
  ops: T[],
  state: RegisterState,
  effect: (op: T) => Effect,
): T | undefined {
  const writers = ops.filter((op) => matches(effect(op), state));
  const possible = writers.filter((op) => op.status !== 'fail');
  if (state !== ABSENT) {
    if (possible.length === 0) {
      const failed = writers.filter((op) => op.status === 'fail');
      if (failed.length > 0)
        report.add('unexpected', `${name} is ${state.describe}, written only by operations answered as failed`, failed);
      else report.add('unexpected', `${name} is ${state.describe}, which no operation explains`, ops);
      return undefined;
    }
    if (!possible.some((op) => op.status === 'ok')) report.verdict.recovered++;
  }
  // Every ok operation is in the state, or the state's writer may have come after it: the
  // writer is info (it may land any time), or it had not completed when the ok operation began.
  for (const op of ops) {
    if (op.status !== 'ok' || matches(effect(op), state)) continue;
    const replacedBy = possible.find((w) => w !== op && (w.status === 'info' || (w.completedAt ?? Infinity) > op.invokedAt));
    if (!replacedBy)
      report.add('lost', `${name}: ${op.type} #${op.index} was answered ok (${effect(op)?.describe}), but the state is ${state.describe}`, [
        op,
        ...possible,
      ]);
  }
  return possible.find((op) => op.status === 'ok') ?? possible[0];
}

async function rows<T>(db: Pick<Pool, 'query'>, sql: string): Promise<T[]> {
  const [result] = (await db.query(sql)) as unknown as [T[]];
  return result;
}

export async function check(history: History, dbs: Databases, options: { deadLettered?: () => Promise<number> } = {}): Promise<Verdict> {
  const report = new Report();
  const [likeRows, removedRows, mainProducts, adminProducts, ledger] = await Promise.all([
    rows<LikeRow>(dbs.main, 'SELECT id, product_id, user_id FROM likes'),
    rows<RemovedLikeRow>(dbs.main, 'SELECT like_id, product_id, user_id FROM removed_likes'),
    rows<ProductRow>(dbs.main, 'SELECT id, title, image, version, likes, deleted_at FROM products'),
    rows<ProductRow>(dbs.admin, 'SELECT id, title, image, version, likes, deleted_at FROM products'),
    rows<LedgerRow>(dbs.admin, 'SELECT like_id, unliked_at IS NOT NULL AS taken_back FROM applied_likes'),
  ]);
  report.verdict.checked = {
    operations: history.operations.length,
    likeRows: likeRows.length,
    adminProducts: adminProducts.length,
    mainProducts: mainProducts.length,
  };

  const likeOps = [...history.of('like'), ...history.of('unlike')].sort((a, b) => a.index - b.index);
  checkLikes(report, likeOps, likeRows);
  checkRemovals(report, likeOps, likeRows, removedRows, ledger);
  checkProducts(report, history, adminProducts);
  checkReplication(report, likeRows, mainProducts, adminProducts);
  report.verdict.deadLettered = (await options.deadLettered?.()) ?? 0;
  if (report.verdict.deadLettered > 0) report.verdict.valid = false;
  return report.verdict;
}

const pair = (productId: number, userId: string) => `${productId}/${userId}`;

/**
 * Each user x product in main: the like row, if any, must be explained; ok likes must be there
 * unless an unlike may have come after them, and ok unlikes must have left it absent unless a like
 * may have come after them.
 */
function checkLikes(report: Report, likes: (LikeOperation | UnlikeOperation)[], likeRows: LikeRow[]): void {
  const opsByPair = new Map<string, (LikeOperation | UnlikeOperation)[]>();
  for (const op of likes) {
    const key = pair(op.productId, op.userId);
    opsByPair.set(key, [...(opsByPair.get(key) ?? []), op]);
  }
  const rowByPair = new Map(likeRows.map((row) => [pair(Number(row.product_id), row.user_id), row]));
  for (const [key, ops] of opsByPair) {
    const row = rowByPair.get(key);
    checkRegister(report, `like ${key}`, ops, row ? { key: `liked:${row.id}`, describe: `liked (${row.id})` } : ABSENT, likeEffect);
  }
  for (const [key, row] of rowByPair) {
    if (!opsByPair.has(key)) report.add('unexpected', `like row ${row.id} (${key}) matches no request`);
  }
}

/**
 * Likes taken back: each of main's removals was asked for (an ok or info unlike of that user x
 * product), and never of a like main still has; admin's ledger holds every like main has as
 * counted and every removal as taken back (a like it never applied, or an unlike it missed or
 * applied twice, would otherwise only show as a count that happens to balance).
 */
function checkRemovals(
  report: Report,
  likes: (LikeOperation | UnlikeOperation)[],
  likeRows: LikeRow[],
  removed: RemovedLikeRow[],
  ledger: LedgerRow[],
): void {
  const unlikesByPair = new Map<string, UnlikeOperation[]>();
  for (const op of likes)
    if (op.type === 'unlike')
      unlikesByPair.set(pair(op.productId, op.userId), [...(unlikesByPair.get(pair(op.productId, op.userId)) ?? []), op]);
  const liveIds = new Set(likeRows.map((row) => row.id));
  const ledgerById = new Map(ledger.map((row) => [row.like_id, Number(row.taken_back) === 1]));
  for (const row of removed) {
    const key = pair(Number(row.product_id), row.user_id);
    const asked = (unlikesByPair.get(key) ?? []).filter((op) => op.status !== 'fail');
    if (asked.length === 0)
      report.add(
        'unexpected',
        `like ${row.like_id} (${key}) was taken back, but no unlike answered ok or unanswered asked for it`,
        unlikesByPair.get(key),
      );
    if (liveIds.has(row.like_id))
      report.add('unexpected', `like ${row.like_id} (${key}) is both in main's likes and among its removed likes`);
    const takenBack = ledgerById.get(row.like_id);
    if (takenBack === undefined) report.add('lost', `admin's ledger has no record of like ${row.like_id} (${key}), which main took back`);
    else if (!takenBack) report.add('lost', `admin never applied the removal of like ${row.like_id} (${key})`);
  }
  for (const row of likeRows) {
    const takenBack = ledgerById.get(row.id);
    if (takenBack === undefined) report.add('lost', `admin never applied like ${row.id} (${pair(Number(row.product_id), row.user_id)})`);
    else if (takenBack)
      report.add('unexpected', `admin took back like ${row.id} (${pair(Number(row.product_id), row.user_id)}), which main still has`);
  }
}

/** Each product in admin (the source of truth): its state and version explained by admin writes. */
function checkProducts(report: Report, history: History, adminProducts: ProductRow[]): void {
  const creates = history.of('create');
  const changes = [...history.of('update'), ...history.of('delete')];
  const byId = new Map(adminProducts.map((row) => [Number(row.id), row]));
  const known = new Set<number>();
  for (const create of creates.filter((op) => op.productId !== undefined)) {
    const id = create.productId!;
    known.add(id);
    const row = byId.get(id);
    const ops = [create, ...changes.filter((op) => op.productId === id)].sort((a, b) => a.index - b.index);
    const state = !row
      ? ABSENT
      : row.deleted_at !== null
        ? { key: 'deleted', describe: 'deleted' }
        : { key: `live:${row.title}`, describe: `"${row.title}"` };
    const writer = checkRegister(report, `product ${id}`, ops, state, productEffect);
    if (!row) continue;
    if (writer && writer.type !== 'delete' && writer.image !== row.image) {
      report.add('unexpected', `product ${id} has the title of #${writer.index} but the image ${row.image}, not ${writer.image}`, [writer]);
    }
    // Admin counts versions: 1 at create, +1 per update or delete that took effect.
    const changesOf = ops.filter((op) => op.type !== 'create');
    const ok = changesOf.filter((op) => op.status === 'ok').length;
    const info = changesOf.filter((op) => op.status === 'info').length;
    const applied = Number(row.version) - 1;
    if (applied < ok) report.add('lost', `product ${id} is at version ${row.version}: fewer changes than the ${ok} answered ok`, changesOf);
    if (applied > ok + info)
      report.add(
        'unexpected',
        `product ${id} is at version ${row.version}: more changes than the ${ok} ok and ${info} info ones`,
        changesOf,
      );
  }
  // A product the workload never learnt the id of: only a create without an ok answer made it,
  // and nothing else touched it, so it must still carry that create's title.
  const unknownCreates = creates.filter((op) => op.productId === undefined);
  for (const row of adminProducts.filter((p) => !known.has(Number(p.id)))) {
    const writer = checkRegister(
      report,
      `product ${row.id} (id never answered)`,
      unknownCreates,
      { key: `live:${row.title}`, describe: `"${row.title}"` },
      productEffect,
    );
    if (writer && row.deleted_at !== null)
      report.add('unexpected', `product ${row.id} is deleted, but nothing could have deleted it`, [writer]);
  }
}

/** Main against admin: like counts, main's own counters, products field by field, tombstones. */
function checkReplication(report: Report, likeRows: LikeRow[], mainProducts: ProductRow[], adminProducts: ProductRow[]): void {
  const rowsPerProduct = new Map<number, number>();
  for (const row of likeRows) rowsPerProduct.set(Number(row.product_id), (rowsPerProduct.get(Number(row.product_id)) ?? 0) + 1);
  const mainById = new Map(mainProducts.map((p) => [Number(p.id), p]));
  for (const admin of adminProducts) {
    const main = mainById.get(Number(admin.id));
    if (admin.deleted_at !== null) {
      if (!main) report.add('lost', `product ${admin.id} was deleted in admin and main keeps no tombstone of it`);
      else if (main.deleted_at === null) report.add('unexpected', `product ${admin.id} was deleted in admin but is live in main`);
      continue;
    }
    const likes = rowsPerProduct.get(Number(admin.id)) ?? 0;
    if (Number(admin.likes) > likes)
      report.add('duplicated', `admin counts ${admin.likes} likes on product ${admin.id}, main has ${likes}`);
    if (Number(admin.likes) < likes) report.add('lost', `admin counts ${admin.likes} likes on product ${admin.id}, main has ${likes}`);
    if (!main || main.deleted_at !== null) {
      report.add('lost', `product ${admin.id} is live in admin but ${main ? 'deleted' : 'missing'} in main`);
      continue;
    }
    if (Number(main.likes) !== likes)
      report.add('unexpected', `main's counter says ${main.likes} on product ${admin.id} but it has ${likes} like rows`);
    if (main.title !== admin.title || main.image !== admin.image || Number(main.version) !== Number(admin.version)) {
      report.add('lost', `product ${admin.id} differs: admin v${admin.version} "${admin.title}", main v${main.version} "${main.title}"`);
    }
  }
  const adminIds = new Set(adminProducts.map((p) => Number(p.id)));
  for (const main of mainProducts) {
    if (main.deleted_at === null && !adminIds.has(Number(main.id)))
      report.add('unexpected', `main has product ${main.id} that admin never had`);
  }
}

export function formatVerdict(name: string, verdict: Verdict): string {
  const head = `[${name}] ${verdict.valid ? 'valid' : 'INVALID'}: lost=${verdict.lost} duplicated=${verdict.duplicated} unexpected=${verdict.unexpected} recovered=${verdict.recovered} dead-lettered=${verdict.deadLettered}`;
  return [
    head,
    ...verdict.anomalies
      .slice(0, 20)
      .map((a) => `  ${a.kind}: ${a.text}${a.operations?.length ? ` (ops ${a.operations.slice(0, 8).join(', ')})` : ''}`),
  ].join('\n');
}
