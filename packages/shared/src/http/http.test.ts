import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError, toErrorResponse } from './errors';
import { pageOf, parsePageQuery } from './pagination';

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
    assert.deepEqual(pageOf(rows, { limit: 2 }, '/api/products'), { items: [{ id: 1 }, { id: 2 }], link: '</api/products?limit=2&after=2>; rel="next"' });
    assert.deepEqual(pageOf(rows, { limit: 3 }, '/api/products'), { items: rows });
  });
});
