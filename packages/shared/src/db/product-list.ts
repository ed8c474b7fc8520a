import type { ListQuery, Sort } from '../http/pagination';
import { containsPattern, searchTerms } from './fulltext';

/** A piece of SQL with its placeholders' values, in the order they appear. */
export interface Sql {
  sql: string;
  params: unknown[];
}

/** A list statement, and whether an index bounds its cost by the LIMIT (then it needs no time limit). */
export interface ListStatement extends Sql {
  indexBounded: boolean;
}

export interface ProductListSpec {
  /** The table holding live and soft-deleted products, with id, title, likes and deleted_at. */
  table: string;
  /** The columns each item needs. */
  columns: string;
  /** The list's own filters, ANDed with the rest. */
  filters?: Sql[];
}

/**
 * One statement for a page of a product list: live products matching the search and filters,
 * in the requested order with id as the tie-breaker, starting after the cursor's row, one row
 * more than the limit (to tell whether there is a next page). It selects `sort_value` for the cursor.
 *
 * Both orders and keysets are built from allow-listed column names only; every value is a placeholder.
 */
export function productListSql(list: ListQuery, spec: ProductListSpec): ListStatement {
  const terms = list.q ? searchTerms(list.q) : undefined;
  const match: Sql | undefined = terms?.fulltext ? { sql: 'MATCH(title) AGAINST(? IN BOOLEAN MODE)', params: [terms.fulltext] } : undefined;
  const sortValue = sortExpression(list.sort, match);

  const where: Sql[] = [{ sql: 'deleted_at IS NULL', params: [] }];
  if (match) where.push(match);
  for (const word of terms?.substrings ?? []) where.push({ sql: 'title LIKE ?', params: [containsPattern(word)] });
  where.push(...(spec.filters ?? []));
  if (list.after) where.push(keysetCondition(list, sortValue, spec.table, match));

  const dir = list.sort.direction === 'asc' ? 'ASC' : 'DESC';
  const order: Sql = byIdOnly(sortValue)
    ? { sql: `id ${dir}`, params: [] }
    : { sql: `${sortValue.sql} ${dir}, id ${dir}`, params: sortValue.params };
  const whereSql = joinSql(where, ' AND ');
  return {
    sql: `SELECT ${spec.columns}, ${sortValue.sql} AS sort_value FROM ${spec.table} WHERE ${whereSql.sql} ORDER BY ${order.sql} LIMIT ?`,
    params: [...sortValue.params, ...whereSql.params, ...order.params, list.limit + 1],
    // Without a search or filters every order walks an index and stops at the LIMIT; a search
    // (substring words above all) or a filter may read every live row.
    indexBounded: !terms && (spec.filters ?? []).length === 0,
  };
}

function sortExpression(sort: Sort, match: Sql | undefined): Sql {
  switch (sort.key) {
    case 'newest':
      return { sql: 'id', params: [] };
    case 'title':
      return { sql: 'title', params: [] };
    case 'likes':
      return { sql: 'likes', params: [] };
    case 'relevance':
      // Words the index cannot rank (short words, stop words) leave nothing to rank by: id order.
      return match ?? { sql: '0', params: [] };
  }
}

/** Rows strictly after the cursor's (value, id) in the sort order, without row constructors (MariaDB cannot use an index on those). */
function keysetCondition(list: ListQuery, sortValue: Sql, table: string, match: Sql | undefined): Sql {
  const after = list.after!;
  const op = list.sort.direction === 'asc' ? '>' : '<';
  if (byIdOnly(sortValue)) return { sql: `id ${op} ?`, params: [after.id] };
  const anchor =
    list.sort.key === 'relevance' && match ? anchorScore(table, match, after.id, after.value) : { sql: '?', params: [after.value] };
  return {
    sql: `(${sortValue.sql} ${op} ${anchor.sql} OR (${sortValue.sql} = ${anchor.sql} AND id ${op} ?))`,
    params: [...sortValue.params, ...anchor.params, ...sortValue.params, ...anchor.params, after.id],
  };
}

/**
 * Relevance scores drift as the index's statistics change (every insert moves the word weights),
 * so the cursor's stored score would misplace the next page. The cursor row's score now is where
 * the previous page ended; the stored score is used only when that row no longer matches.
 */
function anchorScore(table: string, match: Sql, id: number, stored: string | number): Sql {
  return {
    sql: `COALESCE((SELECT MATCH(anchor.title) AGAINST(? IN BOOLEAN MODE) FROM ${table} anchor WHERE anchor.id = ? AND MATCH(anchor.title) AGAINST(? IN BOOLEAN MODE)), ?)`,
    params: [match.params[0], id, match.params[0], stored],
  };
}

/** The id order itself, or a constant (relevance with nothing ranked) that leaves the id to decide. */
const byIdOnly = (sortValue: Sql): boolean => sortValue.sql === 'id' || sortValue.sql === '0';

function joinSql(parts: Sql[], separator: string): Sql {
  return { sql: parts.map((p) => p.sql).join(separator), params: parts.flatMap((p) => p.params) };
}
