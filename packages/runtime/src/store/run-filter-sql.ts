import type { RunFilter } from './run-store.js';

/**
 * The WHERE conditions of a run list, with `?` placeholders, in SQL both dialects read the same
 * way (`substr`, `lower`, `||`); PostgreSQL numbers the placeholders itself. Search matches an id
 * prefix or a case-insensitive substring of the input text.
 */
export function runFilterConditions(
  filter: RunFilter,
  contains: (column: string) => string,
): {
  where: string[];
  params: unknown[];
} {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.statuses !== undefined && filter.statuses.length > 0) {
    where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
    params.push(...filter.statuses);
  }
  if (filter.workflow !== undefined) {
    where.push('workflow = ?');
    params.push(filter.workflow);
  }
  if (filter.createdFrom !== undefined) {
    where.push('created_at >= ?');
    params.push(filter.createdFrom);
  }
  if (filter.createdTo !== undefined) {
    where.push('created_at < ?');
    params.push(filter.createdTo);
  }
  if (filter.search !== undefined && filter.search.length > 0) {
    where.push(`(substr(id, 1, ?) = ? OR ${contains('lower(input)')})`);
    params.push(filter.search.length, filter.search, filter.search.toLowerCase());
  }
  if (filter.before !== undefined) {
    where.push('id < ?');
    params.push(filter.before);
  }
  return { where, params };
}

/** Replaces each `?` with `$1`, `$2`… for PostgreSQL, after `offset` parameters already numbered. */
export function numberPlaceholders(sql: string, offset = 0): string {
  let n = offset;
  return sql.replace(/\?/g, () => `$${++n}`);
}
