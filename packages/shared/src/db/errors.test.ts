import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dbErrorKind, isAuthenticationError, isConflictError, isConnectionError, isDuplicateKeyError } from './errors';

describe('database error classification', () => {
  test('deadlocks and lock-wait timeouts are conflicts, wrapped or not', () => {
    assert.ok(isConflictError({ code: 'ER_LOCK_DEADLOCK', errno: 1213 }));
    assert.ok(isConflictError({ message: 'QueryFailedError', driverError: { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 } }));
    assert.equal(isConflictError({ code: 'ER_DUP_ENTRY' }), false);
  });

  test('lost and refused connections are connection errors', () => {
    for (const err of [
      { code: 'PROTOCOL_CONNECTION_LOST' },
      { code: 'ECONNREFUSED' },
      { errno: 2013 },
      { driverError: { code: 'ECONNRESET' } },
      new Error('Pool is closed.'),
    ]) {
      assert.ok(isConnectionError(err), JSON.stringify(err));
    }
  });

  test('a refused login is an authentication error, and waited out like a lost connection (the pool re-reads the secret)', () => {
    const refused = {
      code: 'ER_ACCESS_DENIED_ERROR',
      errno: 1045,
      message: "Access denied for user 'u'@'localhost' (using password: YES)",
    };
    assert.ok(isAuthenticationError(refused));
    assert.ok(isAuthenticationError({ driverError: refused }));
    assert.ok(isConnectionError(refused));
    assert.equal(dbErrorKind(refused), 'connection');
    assert.equal(isAuthenticationError({ code: 'ECONNREFUSED' }), false);
  });

  test('kinds are short labels, never messages', () => {
    assert.equal(dbErrorKind({ code: 'ER_DUP_ENTRY', errno: 1062 }), 'duplicate_key');
    assert.ok(isDuplicateKeyError({ driverError: { errno: 1062 } }));
    assert.equal(dbErrorKind(new Error("You have an error in your SQL syntax near 'x'")), 'other');
  });
});
