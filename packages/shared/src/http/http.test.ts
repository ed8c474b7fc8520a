import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError, toErrorResponse } from './errors';
import { z } from 'zod';
import { encodeCursor, queryFingerprint, sealCursor } from './cursor';
import { listPageOf, pageOf, parseListQuery, parsePageQuery, type ListQuery } from './pagination';

describe('error responses', () => {
  test('an unknown error becomes a bare 500 with no stack, SQL or path', () => {
    const err = new Error("ER_PARSE_ERROR near 'SELECT * FROM users' at /srv/app/dist/x.js:10");
    const { status, body } = toErrorResponse(err);
    assert.equal(status, 500);
    assert.deepEqual(body, { code: 'internal_error', message: 'something went wrong on our side' });
  });

  test('a database connection error becomes a 503 saying so', () => {
    assert.equal(toErrorResponse(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).status, 503);
  });

  test('body-parser failures become clear 4xx codes', () => {
    assert.equal(toErrorResponse({ type: 'entity.parse.failed', status: 400 }).body.code, 'malformed_json');
    assert.equal(toErrorResponse({ type: 'entity.too.large', status: 413 }).status, 413);
  });

  test('AppError keeps its status, code and details', () => {
    const { status, body } = toErrorResponse(AppError.validation([{ field: 'title', reason: 'must not be empty' }]));
    assert.equal(status, 400);
    assert.deepEqual(body.details, [{ field: 'title', reason: 'must not be empty' }]);
  });
});

describe('keyset pagination', () => {
  test('defaults to 50 and clamps to 500', () => {
    assert.deepEqual(parsePageQuery({}), { limit: 50, after: undefined });
    assert.equal(parsePageQuery({ limit: '9999' }).limit, 500);
  });

  test('links to the next page only when there is one', () => {
    const rows = [{ id: 1 }, { id: 2 }, { id: 3 }];
    assert.deepEqual(pageOf(rows, { limit: 2 }, '/api/products'), {
      items: [{ id: 1 }, { id: 2 }],
      link: '</api/products?limit=2&after=2>; rel="next"',
    });
    assert.deepEqual(pageOf(rows, { limit: 3 }, '/api/products'), { items: rows });
  });
});

describe('list queries: search, sort and cursor', () => {
  const fieldsOf = (fn: () => unknown): string[] => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof AppError);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'validation_failed');
      return err.details!.map((d) => d.field);
    }
    assert.fail('expected a 400');
  };
  const nextOf = (link: string | undefined) => new URL(/<([^>]+)>/.exec(link ?? '')![1]!, 'http://x').searchParams;

  test('without q it keeps the id order older clients page through, with after=<id>', () => {
    const list = parseListQuery({ after: '7' });
    assert.deepEqual(list.sort, { key: 'newest', direction: 'asc' });
    assert.deepEqual(list.after, { value: 7, id: 7 });
  });

  test('with q it ranks by relevance unless a sort is named; a sort without direction takes its natural one', () => {
    assert.deepEqual(parseListQuery({ q: ' lamp ' }), {
      limit: 50,
      q: 'lamp',
      sort: { key: 'relevance', direction: 'desc' },
      filters: {},
      carried: [['q', 'lamp']],
    });
    assert.deepEqual(parseListQuery({ sort: 'title' }).sort, { key: 'title', direction: 'asc' });
    assert.deepEqual(parseListQuery({ sort: 'likes' }).sort, { key: 'likes', direction: 'desc' });
    assert.deepEqual(parseListQuery({ sort: 'newest' }).sort, { key: 'newest', direction: 'desc' });
    assert.deepEqual(parseListQuery({ sort: 'title:desc', q: 'x1' }).sort, { key: 'title', direction: 'desc' });
    assert.equal(parseListQuery({ q: '   ' }).q, undefined);
  });

  test('an over-long q, a q without words, too many words or a q given twice is a 400 naming q', () => {
    for (const q of ['x'.repeat(201), '?!', Array.from({ length: 17 }, (_, i) => `w${i}`).join(' '), ['a', 'b']]) {
      assert.deepEqual(
        fieldsOf(() => parseListQuery({ q })),
        ['q'],
      );
    }
    assert.equal(parseListQuery({ q: 'x'.repeat(200) }).q, 'x'.repeat(200));
  });

  test('an unknown sort, an unknown direction, relevance without q or ascending is a 400 naming sort', () => {
    for (const query of [
      { sort: 'price' },
      { sort: 'title:up' },
      { sort: 'TITLE' },
      { sort: 'title;DROP TABLE products' },
      { sort: 'relevance' },
      { sort: 'relevance:asc', q: 'lamp' },
    ]) {
      assert.deepEqual(
        fieldsOf(() => parseListQuery(query)),
        ['sort'],
        JSON.stringify(query),
      );
    }
  });

  test('after works only in id order and never together with a cursor', () => {
    assert.deepEqual(
      fieldsOf(() => parseListQuery({ sort: 'title', after: '3' })),
      ['after'],
    );
    assert.deepEqual(
      fieldsOf(() => parseListQuery({ q: 'lamp', after: '3' })),
      ['after'],
    );
    assert.deepEqual(parseListQuery({ q: 'lamp', sort: 'newest:asc', after: '3' }).after, { value: 3, id: 3 });
    const cursor = encodeCursor({ sort: 'newest:asc', fingerprint: queryFingerprint([]), position: { value: 1, id: 1 } });
    assert.deepEqual(
      fieldsOf(() => parseListQuery({ after: '3', cursor })),
      ['after'],
    );
  });

  test('a malformed, edited, or foreign cursor is a 400 naming cursor', () => {
    const fp = (carried: [string, string][]) => queryFingerprint(carried);
    const good = encodeCursor({ sort: 'title:asc', fingerprint: fp([['q', 'lamp']]), position: { value: 'Lamp', id: 3 } });
    assert.deepEqual(parseListQuery({ q: 'lamp', sort: 'title', cursor: good }).after, { value: 'Lamp', id: 3 });
    const bad = [
      { q: 'lamp', sort: 'title', cursor: `${good}x` },
      { q: 'lamp', sort: 'title', cursor: 'bm90IGEgY3Vyc29y' },
      { q: 'lamps', sort: 'title', cursor: good },
      { q: 'lamp', sort: 'title:desc', cursor: good },
      {
        q: 'lamp',
        sort: 'likes',
        cursor: encodeCursor({ sort: 'likes:desc', fingerprint: fp([['q', 'lamp']]), position: { value: 'many', id: 3 } }),
      },
      {
        q: 'lamp',
        sort: 'title',
        cursor: encodeCursor({ sort: 'title:asc', fingerprint: fp([['q', 'lamp']]), position: { value: 'x'.repeat(201), id: 3 } }),
      },
      {
        q: 'lamp',
        sort: 'title',
        cursor: encodeCursor({ sort: 'title:asc', fingerprint: fp([['q', 'lamp']]), position: { value: 'Lamp', id: -1 } }),
      },
      {
        q: 'lamp',
        sort: 'title',
        cursor: encodeCursor({ sort: 'title:asc', fingerprint: fp([['q', 'lamp']]), position: { value: 'Lamp', id: 1.5 } }),
      },
      { q: 'lamp', cursor: encodeCursor({ sort: 'relevance:desc', fingerprint: fp([['q', 'lamp']]), position: { value: -0.5, id: 1 } }) },
      { q: 'lamp', cursor: sealCursor('{"s":"relevance:desc","f":"' + fp([['q', 'lamp']]) + '","k":[1e999,1]}') },
      { cursor: ['a', 'b'] },
    ];
    for (const query of bad)
      assert.deepEqual(
        fieldsOf(() => parseListQuery(query)),
        ['cursor'],
        JSON.stringify(query),
      );
  });

  test('a cursor after the longest title (200 four-byte characters) still resumes', () => {
    const title = '😀'.repeat(200);
    const cursor = encodeCursor({ sort: 'title:asc', fingerprint: queryFingerprint([]), position: { value: title, id: 9 } });
    assert.deepEqual(parseListQuery({ sort: 'title', cursor }).after, { value: title, id: 9 });
  });

  test("a list's own filters are validated with the rest, every problem reported at once", () => {
    const filters = z.object({ max_likes: z.coerce.number().int().min(0).optional() });
    assert.deepEqual(parseListQuery({ max_likes: '0' }, filters).filters, { max_likes: 0 });
    assert.deepEqual(fieldsOf(() => parseListQuery({ max_likes: '-1', sort: 'nope', limit: '0' }, filters)).sort(), [
      'limit',
      'max_likes',
      'sort',
    ]);
  });

  test('the next link carries q, sort and filters, and its cursor resumes the same query', () => {
    const filters = z.object({ max_likes: z.coerce.number().int().min(0).optional() });
    const list = parseListQuery({ q: 'red lamp', sort: 'title', max_likes: '0', limit: '2' }, filters);
    const rows = [
      { id: 5, t: 'A' },
      { id: 2, t: 'B' },
      { id: 9, t: 'C' },
    ];
    const page = listPageOf(
      rows,
      list,
      '/api/products',
      (r) => r.t,
      (r) => r.id,
    );
    assert.deepEqual(page.items, [5, 2]);
    const next = nextOf(page.link);
    assert.deepEqual([...next.keys()], ['q', 'sort', 'max_likes', 'limit', 'cursor']);
    assert.equal(next.get('q'), 'red lamp');
    assert.match(page.link!, /^<\/api\/products\?q=red\+lamp&sort=title%3Aasc&max_likes=0&limit=2&cursor=[\w-]+\.[\w-]+>; rel="next"$/);
    const resumed = parseListQuery(Object.fromEntries(next), filters);
    assert.deepEqual(resumed.after, { value: 'B', id: 2 });
    assert.deepEqual(
      listPageOf(
        rows.slice(0, 2),
        list,
        '/api/products',
        (r) => r.t,
        (r) => r.id,
      ).link,
      undefined,
    );
  });

  test('in id order the next link keeps the after=<id> form', () => {
    const list: ListQuery = parseListQuery({ limit: '1', q: 'lamp', sort: 'newest:asc' });
    const page = listPageOf(
      [{ id: 4 }, { id: 8 }],
      list,
      '/flask/api/products',
      (r) => r.id,
      (r) => r,
    );
    assert.equal(page.link, '</flask/api/products?q=lamp&sort=newest%3Aasc&limit=1&after=4>; rel="next"');
  });
});
