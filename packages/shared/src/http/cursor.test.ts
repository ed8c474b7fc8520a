import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCursor, encodeCursor, queryFingerprint, sealCursor } from './cursor';

const content = { sort: 'title:asc', fingerprint: queryFingerprint([['q', 'lamp']]), position: { value: 'Desk lamp «Ö»', id: 42 } };

describe('opaque cursor', () => {
  test('decodes to exactly what was encoded, in URL-safe characters only', () => {
    const cursor = encodeCursor(content);
    assert.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(cursor), content);
  });

  test('an edited body, an edited check, a truncated or foreign cursor decodes to nothing', () => {
    const cursor = encodeCursor(content);
    const [body, check] = cursor.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ s: 'title:asc', f: content.fingerprint, k: ['A', 1] })).toString('base64url');
    const flipped = body.slice(0, -2) + (body.at(-2) === 'A' ? 'B' : 'A') + body.at(-1);
    for (const bad of [
      `${forged}.${check}`,
      `${flipped}.${check}`,
      `${body}.${check.slice(1)}`,
      body,
      cursor.slice(0, -3),
      '',
      'abc',
      '../../etc',
      `${'a'.repeat(3000)}.${check}`,
    ]) {
      assert.equal(decodeCursor(bad), undefined, bad);
    }
  });

  test('a well-checked body that is not a position decodes to nothing', () => {
    assert.deepEqual(decodeCursor(sealCursor('{"s":"a","f":"x","k":["t",2]}')), {
      sort: 'a',
      fingerprint: 'x',
      position: { value: 't', id: 2 },
    });
    for (const json of [
      'null',
      '[]',
      '"s"',
      '{"s":1,"f":"x","k":[1,2]}',
      '{"s":"a","f":"x","k":[{},2]}',
      '{"s":"a","f":"x","k":["a","2"]}',
      '{"s":"a","f":"x","k":[1]}',
      '{"s":"a","k":[1,2]}',
      'not json',
    ]) {
      assert.equal(decodeCursor(sealCursor(json)), undefined, json);
    }
  });

  test('the fingerprint tells different queries apart', () => {
    assert.equal(queryFingerprint([['q', 'lamp']]), queryFingerprint([['q', 'lamp']]));
    assert.notEqual(queryFingerprint([['q', 'lamp']]), queryFingerprint([['q', 'lamps']]));
    assert.notEqual(
      queryFingerprint([['q', 'lamp']]),
      queryFingerprint([
        ['q', 'lamp'],
        ['max_likes', '0'],
      ]),
    );
  });
});
