import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VerifiedTokens } from './verified-tokens';

describe('VerifiedTokens', () => {
  test('answers the subject of a token it was told about, and nothing for any other token', () => {
    const tokens = new VerifiedTokens();
    tokens.remember('a.b.c', 'alice', undefined, 1_000);
    assert.equal(tokens.get('a.b.c', 2_000), 'alice');
    assert.equal(tokens.get('a.b.x', 2_000), undefined);
  });

  test('forgets a token when it expires, or after its maximum age if that comes first', () => {
    const tokens = new VerifiedTokens(10, 60_000);
    tokens.remember('short', 'bob', 5, 1_000); // exp 5 s
    tokens.remember('long', 'carol', 10_000, 1_000); // exp far away: max age wins
    assert.equal(tokens.get('short', 4_999), 'bob');
    assert.equal(tokens.get('short', 5_000), undefined);
    assert.equal(tokens.get('long', 60_999), 'carol');
    assert.equal(tokens.get('long', 61_000), undefined);
  });

  test('never keeps an already expired token, and holds at most maxEntries, dropping the oldest', () => {
    const tokens = new VerifiedTokens(2);
    tokens.remember('old', 'x', 1, 5_000);
    assert.equal(tokens.get('old', 5_000), undefined);
    tokens.remember('t1', 'one', undefined, 0);
    tokens.remember('t2', 'two', undefined, 0);
    tokens.remember('t3', 'three', undefined, 0);
    assert.equal(tokens.get('t1', 1), undefined);
    assert.equal(tokens.get('t2', 1), 'two');
    assert.equal(tokens.get('t3', 1), 'three');
  });
});
