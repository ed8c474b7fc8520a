import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { aProduct, startAdmin, type AdminUnderTest } from '../test-support';

let admin: AdminUnderTest;
before(async () => {
  admin = await startAdmin();
});
after(async () => {
  await admin?.stop();
});

const api = () => admin.api;
const ids = (res: request.Response): number[] => res.body.map((p: { id: number }) => p.id);
const nextLink = (res: request.Response): string | undefined => /<([^>]+)>; rel="next"/.exec(res.headers.link ?? '')?.[1];

async function createProduct(title: string): Promise<number> {
  const res = await api().post('/api/products').send(aProduct({ title })).expect(201);
  return res.body.id;
}

/** Likes arrive as events from main; counting them directly is what the consumer does. */
async function setLikes(id: number, likes: number): Promise<void> {
  await admin.db.query('UPDATE products SET likes = ? WHERE id = ?', [likes, id]);
}

async function setCreatedAt(id: number, at: string): Promise<void> {
  await admin.db.query('UPDATE products SET created_at = ? WHERE id = ?', [at, id]);
}

describe('GET /api/products (admin) search and filters', () => {
  test('finds titles with every word, case- and accent-insensitively, ranked by relevance', async () => {
    const word = `ad${Date.now().toString(36)}`;
    const once = await createProduct(`Ölkanne ${word}`);
    const twice = await createProduct(`olkanne ${word} and ${word.toUpperCase()}`);
    await createProduct(`${word} only`);
    const res = await api()
      .get('/api/products')
      .query({ q: `OLKANNE ${word}` })
      .expect(200);
    assert.deepEqual(ids(res), [twice, once]);
  });

  test('max_likes=0 lists the products nobody has liked yet; min_likes the popular ones', async () => {
    const word = `lk${Date.now().toString(36)}`;
    const none = await createProduct(`${word} none`);
    const some = await createProduct(`${word} some`);
    const many = await createProduct(`${word} many`);
    await setLikes(some, 2);
    await setLikes(many, 40);
    assert.deepEqual(ids(await api().get('/api/products').query({ q: word, max_likes: 0 }).expect(200)), [none]);
    assert.deepEqual(ids(await api().get('/api/products').query({ q: word, min_likes: 2, sort: 'likes' }).expect(200)), [many, some]);
    assert.deepEqual(ids(await api().get('/api/products').query({ q: word, min_likes: 1, max_likes: 10 }).expect(200)), [some]);
  });

  test('created_from and created_to bound the creation date, both days included', async () => {
    const word = `dt${Date.now().toString(36)}`;
    const early = await createProduct(`${word} early`);
    const first = await createProduct(`${word} first`);
    const last = await createProduct(`${word} last`);
    const late = await createProduct(`${word} late`);
    await setCreatedAt(early, '2026-03-09 23:59:59.999');
    await setCreatedAt(first, '2026-03-10 00:00:00.000');
    await setCreatedAt(last, '2026-03-12 23:59:59.999');
    await setCreatedAt(late, '2026-03-13 00:00:00.000');
    const days = await api()
      .get('/api/products')
      .query({ q: word, created_from: '2026-03-10', created_to: '2026-03-12', sort: 'newest:asc' })
      .expect(200);
    assert.deepEqual(ids(days), [first, last]);
    const instants = await api()
      .get('/api/products')
      .query({ q: word, created_from: '2026-03-10T01:00:00+01:00', created_to: '2026-03-12T23:59:59.999Z', sort: 'newest:asc' })
      .expect(200);
    assert.deepEqual(ids(instants), [first, last]);
    const from = await api().get('/api/products').query({ q: word, created_from: '2026-03-13', sort: 'newest:asc' }).expect(200);
    assert.deepEqual(ids(from), [late]);
  });

  test('deleted products are never listed, whatever the filters', async () => {
    const word = `del${Date.now().toString(36)}`;
    const kept = await createProduct(`${word} kept`);
    const gone = await createProduct(`${word} gone`);
    await api().delete(`/api/products/${gone}`).expect(204);
    assert.deepEqual(ids(await api().get('/api/products').query({ q: word, max_likes: 0 }).expect(200)), [kept]);
  });

  test('bad filters answer 400 naming each one, in the error shape', async () => {
    const cases: [Record<string, string>, string[]][] = [
      [{ max_likes: '-1' }, ['max_likes']],
      [{ min_likes: 'many' }, ['min_likes']],
      [{ min_likes: '5', max_likes: '1' }, ['max_likes']],
      [{ created_from: 'yesterday' }, ['created_from']],
      [{ created_from: '2026-02-30' }, ['created_from']],
      [{ created_to: '2026-03-10T10:00:00' }, ['created_to']],
      [{ created_from: '2026-03-12', created_to: '2026-03-10' }, ['created_to']],
      [{ created_from: 'x', sort: 'price', q: 'y'.repeat(201) }, ['created_from', 'q', 'sort']],
    ];
    for (const [query, fields] of cases) {
      const res = await api().get('/api/products').query(query).expect(400);
      assert.equal(res.body.code, 'validation_failed', JSON.stringify(query));
      assert.deepEqual(res.body.details.map((d: { field: string }) => d.field).sort(), fields, JSON.stringify(query));
    }
    const tampered = await api().get('/api/products?sort=title&cursor=e30.AAAAAAAAAAAA').expect(400);
    assert.deepEqual(tampered.body.details, [{ field: 'cursor', reason: 'is not a cursor this service gave out' }]);
  });

  test('pages a searched, filtered, sorted list without gaps or repeats while products are being created', async () => {
    const word = `pg${Date.now().toString(36)}`;
    const initial: number[] = [];
    for (let i = 0; i < 15; i++) {
      const id = await createProduct(`${word} ${String.fromCharCode(97 + ((i * 7) % 26))} item`);
      if (i % 4 === 3) await setLikes(id, 1);
      else initial.push(id);
    }
    const seen: { id: number; title: string }[] = [];
    let next: string | undefined = `/api/products?q=${word}&sort=title:desc&max_likes=0&created_from=2020-01-01&limit=2`;
    let pages = 0;
    let stop = false;
    // Staff keep creating matching products (before and after the cursor in title order) throughout.
    const writer = (async () => {
      for (let i = 0; !stop; i++) await createProduct(`${word} ${i % 2 === 0 ? 'zz' : 'aa'} newcomer ${i}`);
    })();
    try {
      while (next) {
        const res: request.Response = await api().get(next).expect(200);
        assert.ok(
          !next.includes('cursor') ||
            (next.includes('max_likes=0') && next.includes(`q=${word}`) && next.includes('created_from=2020-01-01')),
          next,
        );
        seen.push(...res.body);
        next = nextLink(res);
        pages++;
      }
    } finally {
      stop = true;
      await writer;
    }
    const seenIds = seen.map((p) => p.id);
    assert.equal(new Set(seenIds).size, seenIds.length, 'no product twice');
    for (const id of initial) assert.ok(seenIds.includes(id), `product ${id} was skipped`);
    const collator = new Intl.Collator('en', { sensitivity: 'base' });
    for (let i = 1; i < seen.length; i++) {
      const order = collator.compare(seen[i - 1]!.title, seen[i]!.title) || seen[i - 1]!.id - seen[i]!.id;
      assert.ok(order > 0, `${seen[i - 1]!.title} (${seen[i - 1]!.id}) before ${seen[i]!.title} (${seen[i]!.id})`);
    }
    assert.ok(pages >= 6);
  });
});
