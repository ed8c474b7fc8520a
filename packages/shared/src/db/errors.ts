/**
 * MySQL/MariaDB error classification. Deadlocks and lock-wait timeouts roll the transaction back,
 * so retrying is always safe; a lost connection leaves a commit's outcome unknown, so only
 * idempotent work may retry it.
 */
const CONFLICT_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const CONFLICT_ERRNOS = new Set([1213, 1205]);

const CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'POOL_CLOSED',
  'CONNECTION_UNAVAILABLE',
]);
const CONNECTION_ERRNOS = new Set([1040, 1053, 1317, 2002, 2003, 2006, 2013, 1927]);

/**
 * The server refused the login (ER_ACCESS_DENIED_ERROR): the password or user changed under us.
 * It happens only when a connection opens, before any statement ran.
 */
const AUTHENTICATION_CODES = new Set(['ER_ACCESS_DENIED_ERROR']);
const AUTHENTICATION_ERRNOS = new Set([1045]);

function codesOf(err: unknown): { code?: string; errno?: number; message?: string }[] {
  const found: { code?: string; errno?: number; message?: string }[] = [];
  let current: unknown = err;
  for (let depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    const e = current as { code?: unknown; errno?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    found.push({
      code: typeof e.code === 'string' ? e.code : undefined,
      errno: typeof e.errno === 'number' ? e.errno : undefined,
      message: typeof e.message === 'string' ? e.message : undefined,
    });
    current = e.driverError ?? e.cause;
  }
  return found;
}

export function isConflictError(err: unknown): boolean {
  return codesOf(err).some((c) => (c.code && CONFLICT_CODES.has(c.code)) || (c.errno !== undefined && CONFLICT_ERRNOS.has(c.errno)));
}

export function isAuthenticationError(err: unknown): boolean {
  return codesOf(err).some(
    (c) => (c.code && AUTHENTICATION_CODES.has(c.code)) || (c.errno !== undefined && AUTHENTICATION_ERRNOS.has(c.errno)),
  );
}

/**
 * The database could not be reached or the connection broke. A refused login counts too: the pool
 * re-reads the secret when it sees one (db/rotating-pool.ts), so waiting and retrying is how it
 * heals, and callers answer 503 rather than 500.
 */
export function isConnectionError(err: unknown): boolean {
  return (
    isAuthenticationError(err) ||
    codesOf(err).some(
      (c) =>
        (c.code && CONNECTION_CODES.has(c.code)) ||
        (c.errno !== undefined && CONNECTION_ERRNOS.has(c.errno)) ||
        (c.message !== undefined &&
          /Pool is closed|connection is in closed state|Can't add new command when connection is in closed state|Queue limit reached/i.test(
            c.message,
          )),
    )
  );
}

export function isTransientDbError(err: unknown): boolean {
  return isConflictError(err) || isConnectionError(err);
}

export function isDuplicateKeyError(err: unknown): boolean {
  return codesOf(err).some((c) => c.code === 'ER_DUP_ENTRY' || c.errno === 1062);
}

/** A short label for metrics and logs: never the message, which may carry SQL. */
export function dbErrorKind(err: unknown): string {
  if (isConflictError(err)) return 'conflict';
  if (isConnectionError(err)) return 'connection';
  if (isDuplicateKeyError(err)) return 'duplicate_key';
  return 'other';
}
