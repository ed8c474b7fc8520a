import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { parseListQuery, productListSql } from '@catalogue/shared';
import { startMain, type MainUnderTest } from '../test-support';

let main: MainUnderTest;
let nextId = 1;

/** Main's copy is written by admin's events; arranging rows directly is what the consumer would do. */
async function insertProduct(title: string, options: { likes?: number; deleted?: boolean } = {}): Promise<number> {
  const id = nextId++;
  await main.dataSource.query('INSERT INTO products (id, title, image, version, likes, deleted_at) VALUES (?, ?, ?, 1, ?, ?)', [
    id,
    title,
    `https://img.example/${id}.png`,
    options.likes ?? 0,
    options.deleted ? new Date() : null,
  ]);
  return id;
}

const titles = (res: request.Response): string[] => res.body.map((p: { title: string }) => p.title);
const ids = (res: request.Response): number[] => res.body.map((p: { id: number }) => p.id);
const nextLink = (res: request.Response): string | undefined => /<([^>]+)>; rel="next"/.exec(res.headers.link ?? '')?.[1];

/** Follows the Link header to the end; every page must succeed. */
async function allPages(url: string): Promise<{ ids: number[]; titles: string[]; pages: number }> {
  const seen = { ids: [] as number[], titles: [] as string[], pages: 0 };
  let next: string | undefined = url;
  while (next) {
    const res: request.Response = await request(main.app).get(next).expect(200);
    seen.ids.push(...ids(res));
    seen.titles.push(...titles(res));
    seen.pages++;
    next = nextLink(res);
  }
  return seen;
}

before(async () => {
  main = await startMain();
});
after(() => main.stop());

describe('GET /api/products?q=', () => {
  test('finds titles containing every word, whatever their case and accents', async () => {
    const cafe = await insertProduct('Café Crème Brûlée Set');
    const upper = await insertProduct('CAFE CREME mug');
    await insertProduct('Creme only');
    await insertProduct('Café only');
    for (const q of ['cafe creme', 'CAFÉ crème', 'Cafe\u0301 CREME']) {
      const res = await request(main.app).get('/api/products').query({ q }).expect(200);
      assert.deepEqual(ids(res).sort(), [cafe, upper].sort(), q);
    }
    const brulee = await request(main.app).get('/api/products?q=brulee').expect(200);
    assert.deepEqual(ids(brulee), [cafe]);
  });

  test('ranks titles that mention the words more often first', async () => {
    const once = await insertProduct('Walnut shelf');
    const thrice = await insertProduct('Walnut walnut walnut bowl');
    const twice = await insertProduct('Walnut and walnut tray');
    await insertProduct('Oak shelf');
    const res = await request(main.app).get('/api/products?q=walnut').expect(200);
    assert.deepEqual(ids(res), [thrice, twice, once]);
  });

  test('the last word matches as a prefix, so a title is found while it is being typed', async () => {
    const lampshade = await insertProduct('Linen lampshade');
    const res = await request(main.app).get('/api/products?q=linen%20lamps').expect(200);
    assert.deepEqual(ids(res), [lampshade]);
    const notPrefix = await request(main.app).get('/api/products?q=lamps%20linen').expect(200);
    assert.deepEqual(ids(notPrefix), []);
  });

  test('short words and stop words must match too, as substrings', async () => {
    const tv = await insertProduct('The TV stand 4k');
    const stand = await insertProduct('Music stand');
    const who = await insertProduct('The Who poster');
    assert.deepEqual(ids(await request(main.app).get('/api/products?q=tv%20stand').expect(200)), [tv]);
    assert.deepEqual(ids(await request(main.app).get('/api/products?q=4K').expect(200)), [tv]);
    assert.deepEqual(ids(await request(main.app).get('/api/products?q=stand').expect(200)).sort(), [tv, stand].sort());
    assert.deepEqual(ids(await request(main.app).get('/api/products?q=the%20who').expect(200)), [who]);
  });

  test('leaves deleted products out of the results', async () => {
    const live = await insertProduct('Teak bench');
    await insertProduct('Teak bench', { deleted: true });
    assert.deepEqual(ids(await request(main.app).get('/api/products?q=teak').expect(200)), [live]);
  });

  test('a search with SQL or full-text operators in it is just words', async () => {
    const res = await request(main.app).get('/api/products').query({ q: "teak' OR 1=1 -- +bench* @2" }).expect(200);
    assert.deepEqual(res.body, []);
    const ops = await request(main.app).get('/api/products').query({ q: '+teak -"bench"' }).expect(200);
    assert.equal(ops.body.length, 1);
  });

  test('the search uses the FULLTEXT index, not a scan of every row', async () => {
    const { sql, params } = productListSql(parseListQuery({ q: 'walnut shelf' }), { table: 'products', columns: 'id' });
    const plan: { key: string | null; type: string }[] = await main.dataSource.query(`EXPLAIN ${sql}`, params);
    assert.equal(plan[0]?.key, 'products_title_search');
    assert.equal(plan[0]?.type, 'fulltext');
  });
});

describe('GET /api/products?sort=', () => {
  test('pages through every sort with a cursor, each product once, in order, the Link carrying q and sort', async () => {
    const word = `srt${Date.now().toString(36)}`;
    const made: { id: number; title: string; likes: number }[] = [];
    for (const [i, title] of ['delta', 'Alpha', 'charlie', 'bravo', 'alpha', 'Echo', 'écho'].entries()) {
      const likes = [3, 1, 3, 0, 2, 1, 3][i]!;
      made.push({ id: await insertProduct(`${title} ${word}`, { likes }), title: `${title} ${word}`, likes });
    }
    const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
    const collator = new Intl.Collator('en', { sensitivity: 'base' });
    const expected: Record<string, number[]> = {
      'title:asc': [...made].sort((a, b) => collator.compare(a.title, b.title) || byId(a, b)).map((p) => p.id),
      'title:desc': [...made].sort((a, b) => collator.compare(b.title, a.title) || byId(b, a)).map((p) => p.id),
      'likes:desc': [...made].sort((a, b) => b.likes - a.likes || byId(b, a)).map((p) => p.id),
      'likes:asc': [...made].sort((a, b) => a.likes - b.likes || byId(a, b)).map((p) => p.id),
      'newest:desc': [...made].sort((a, b) => byId(b, a)).map((p) => p.id),
      'newest:asc': [...made].sort(byId).map((p) => p.id),
      'relevance:desc': [...made].sort((a, b) => byId(b, a)).map((p) => p.id),
    };
    for (const [sort, order] of Object.entries(expected)) {
      const first = await request(main.app).get('/api/products').query({ q: word, sort, limit: 2 }).expect(200);
      const link = nextLink(first)!;
      assert.ok(link.includes(`q=${word}`) && link.includes(`sort=${encodeURIComponent(sort)}`), link);
      assert.ok(sort === 'newest:asc' ? /after=\d+/.test(link) : /cursor=/.test(link), link);
      const all = await allPages(`/api/products?q=${word}&sort=${sort}&limit=2`);
      assert.deepEqual(all.ids, order, sort);
      assert.equal(all.pages, 4, sort);
    }
  });

  test('pages by relevance without gaps or repeats while more matching products arrive', async () => {
    const word = `rel${Date.now().toString(36)}`;
    const before: number[] = [];
    for (let i = 0; i < 12; i++) before.push(await insertProduct(i % 3 === 0 ? `${word} ${word} ${i}` : `${word} item ${i}`));
    const seen: number[] = [];
    let next: string | undefined = `/api/products?q=${word}&limit=3`;
    let n = 0;
    while (next) {
      const res: request.Response = await request(main.app).get(next).expect(200);
      seen.push(...ids(res));
      next = nextLink(res);
      // Every page changes the index's statistics, moving every score.
      for (let i = 0; i < 3; i++) await insertProduct(`${word} newcomer ${n++} ${word}`);
    }
    assert.equal(new Set(seen).size, seen.length, 'no product twice');
    for (const id of before) assert.ok(seen.includes(id), `product ${id} was skipped`);
  });
});

describe('GET /api/products with bad search input', () => {
  test('answers 400 in the error shape naming the parameter, never 500', async () => {
    const cases: [string, string][] = [
      [`q=${'x'.repeat(201)}`, 'q'],
      ['q=%21%21%21', 'q'],
      ['sort=price', 'sort'],
      ['sort=title:sideways', 'sort'],
      ['sort=relevance', 'sort'],
      ['sort=title&after=3', 'after'],
      ['cursor=not-a-cursor', 'cursor'],
      ['cursor=eyJzIjoidGl0bGU6YXNjIn0.AAAA', 'cursor'],
    ];
    for (const [query, field] of cases) {
      const res = await request(main.app).get(`/api/products?${query}`).expect(400);
      assert.equal(res.body.code, 'validation_failed', query);
      assert.equal(res.body.details[0].field, field, query);
      assert.equal(typeof res.body.message, 'string');
    }
  });

  test('a cursor edited by one character, or reused for another search, is a 400', async () => {
    const word = `cur${Date.now().toString(36)}`;
    for (let i = 0; i < 3; i++) await insertProduct(`${word} ${i}`);
    const first = await request(main.app).get(`/api/products?q=${word}&sort=title&limit=1`).expect(200);
    const cursor = new URL(nextLink(first)!, 'http://x').searchParams.get('cursor')!;
    const edited = cursor.slice(0, 5) + (cursor[5] === 'a' ? 'b' : 'a') + cursor.slice(6);
    await request(main.app).get('/api/products').query({ q: word, sort: 'title', cursor: edited }).expect(400);
    await request(main.app)
      .get('/api/products')
      .query({ q: `${word} 1`, sort: 'title', cursor })
      .expect(400);
    await request(main.app).get('/api/products').query({ q: word, sort: 'likes', cursor }).expect(400);
    await request(main.app).get('/api/products').query({ q: word, sort: 'title', cursor }).expect(200);
  });
});
