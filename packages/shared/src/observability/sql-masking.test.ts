import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maskSqlText } from './sql-masking';

describe('maskSqlText', () => {
  test('replaces quoted strings and numbers, keeps the statement readable', () => {
    assert.equal(
      maskSqlText("SELECT id FROM users WHERE email = 'alice@example.com' AND id > 42"),
      'SELECT id FROM users WHERE email = ? AND id > ?',
    );
    assert.equal(maskSqlText('UPDATE products SET likes = likes + 1 WHERE id = ?'), 'UPDATE products SET likes = likes + ? WHERE id = ?');
    assert.equal(maskSqlText("Duplicate entry '7-it''s \\'me' for key 'likes.PRIMARY'"), 'Duplicate entry ?? for key ?');
    assert.equal(maskSqlText('INSERT INTO t (a) VALUES ("$argon2id$v=19$m=19456,t=2,p=1$abc")'), 'INSERT INTO t (a) VALUES (?)');
  });
});
