import assert from 'node:assert/strict';
import querystring from 'node:querystring';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { loginSchema } from '@catalogue/admin-service/dist/auth/auth.controller';
import { productInputSchema } from '@catalogue/admin-service/dist/products/products.controller';
import { publishedUpToNow, startAdmin, type AdminUnderTest } from '@catalogue/admin-service/dist/test-support';
import { startMain, tokenFor, type MainUnderTest } from '@catalogue/main-service/dist/test-support';
import { productFiltersSchema } from '@catalogue/admin-service/dist/products/product-filters';
import { parseListQuery, parsePageQuery, parseProductId, PRODUCT_IMAGE_MAX, PRODUCT_TITLE_MAX } from '@catalogue/shared';
import { drainQueue, eventually } from '@catalogue/shared/testing';
// Every answer is also checked against the service's OpenAPI document (status and body) by the test runner (test/support/response-check.ts).
import { hostileId, hostileKey, hostileValue, jsonBodyAround, parsedBody } from '../support/hostile';
import { assertSafeErrorBody } from '../support/safe-errors';

/** Seeded and bounded, so CI runs the same cases every time; a failure prints its seed and path. */
const RUNS = { seed: 20261130, numRuns: 60, endOnFailure: true };
const UNLIMITED = {
  LOGIN_FAILURES_PER_ADDRESS: '1000000',
  LOGIN_FAILURES_PER_EMAIL: '1000000',
  WRITES_PER_MINUTE: '1000000',
  LIKES_PER_MINUTE_PER_USER: '1000000',
  LIKES_PER_MINUTE_PER_ADDRESS: '1000000',
};

let admin: AdminUnderTest;
let main: MainUnderTest;
before(async () => {
  [admin, main] = await Promise.all([startAdmin(UNLIMITED, { waitForConsumer: false }), startMain(UNLIMITED)]);
  await main.messaging.ready();
  // A few products on both sides, so valid ids sometimes exist.
  for (let i = 0; i < 5; i++)
    await admin.api
      .post('/api/products')
      .send({ title: `Seed ${i}`, image: `https://img.example/${i}.png` })
      .expect(201);
  for (let id = 1; id <= 5; id++)
    await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Seed', 'https://img.example/s.png', 1)", [
      id,
    ]);
});
after(async () => {
  await Promise.all([admin?.stop(), main?.stop()]);
});

const validProduct = fc.record({
  title: fc
    .string({ minLength: 1, maxLength: PRODUCT_TITLE_MAX, unit: 'grapheme-composite' })
    .filter((t) => t.trim().length > 0 && t.length <= PRODUCT_TITLE_MAX),
  image: fc.webUrl({ validSchemes: ['https', 'http'] }).filter((u) => u.length <= PRODUCT_IMAGE_MAX),
});
const validLogin = fc.record({ email: fc.emailAddress(), password: fc.string({ minLength: 1, maxLength: 64 }) });
const query = fc.dictionary(
  fc.oneof(fc.constantFrom('limit', 'after', 'sort', 'order', 'filter'), hostileKey),
  fc.oneof(fc.integer({ min: -5, max: 600 }).map(String), hostileValue.map(asText)),
  { maxKeys: 3 },
);

/** A query value as text (objects as JSON: some have no prototype, so no toString). */
function asText(value: unknown): string {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const isValid = (schema: { safeParse(v: unknown): { success: boolean } }, text: string) => {
  const parsed = parsedBody(text);
  return parsed.ok && schema.safeParse(parsed.value).success;
};
const validId = (id: string) => {
  try {
    parseProductId(id);
    return true;
  } catch {
    return false;
  }
};
/** Whether a parser accepts the query as the service receives it (re-read from the query string). */
const accepts = (parse: (query: Record<string, unknown>) => unknown) => (q: Record<string, string>) => {
  try {
    parse(querystring.parse(querystring.stringify(q)));
    return true;
  } catch {
    return false;
  }
};
/** Plain paging (the users list). */
const validQuery = accepts(parsePageQuery);
/** The product lists also take search, sort and (admin's) filters. */
const validMainListQuery = accepts((query) => parseListQuery(query));
const validAdminListQuery = accepts((query) => parseListQuery(query, productFiltersSchema));
const path = (id: string) => `/api/products/${encodeURIComponent(id)}`;

/** Never a 5xx; an error body always in the shared shape, leaking nothing. */
function assertNoServerError(res: request.Response, what: string): void {
  assert.ok(res.status < 500, `${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  if (res.status >= 400) assertSafeErrorBody(res.status, res.body, what);
}

/** Everything an admin request could change, in one comparable value. */
async function adminState(): Promise<string> {
  const rows = await admin.db.query(
    'SELECT (SELECT COUNT(*) FROM products) AS products, (SELECT COALESCE(SUM(version), 0) FROM products) AS versions, (SELECT COUNT(*) FROM products WHERE deleted_at IS NOT NULL) AS deleted, (SELECT COUNT(*) FROM users) AS users',
  );
  return JSON.stringify(rows[0]);
}
async function mainState(): Promise<string> {
  const rows = await main.dataSource.query(
    'SELECT (SELECT COUNT(*) FROM likes) AS likes, (SELECT COALESCE(SUM(likes), 0) FROM products) AS counted, (SELECT COUNT(*) FROM products) AS products',
  );
  return JSON.stringify(rows[0]);
}

let adminWrites = 0;
let mainLikes = 0;

describe('fuzzing admin-service from its own schemas', () => {
  test('POST /api/products', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBodyAround(validProduct), async (text) => {
        const before = await adminState();
        const res = await admin.api.post('/api/products').set('content-type', 'application/json').send(text);
        assertNoServerError(res, `POST ${text.slice(0, 80)}`);
        if (isValid(productInputSchema, text)) {
          assert.equal(res.status, 201);
          assert.deepEqual(Object.keys(res.body).sort(), ['id', 'image', 'likes', 'title']);
          adminWrites++;
        } else {
          assert.ok([400, 413].includes(res.status), `invalid body answered ${res.status}`);
          assert.equal(await adminState(), before, 'an invalid request changed nothing');
        }
      }),
      RUNS,
    );
  });

  test('PUT /api/products/:id', async () => {
    await fc.assert(
      fc.asyncProperty(hostileId, jsonBodyAround(validProduct), async (id, text) => {
        const before = await adminState();
        const res = await admin.api.put(path(id)).set('content-type', 'application/json').send(text);
        assertNoServerError(res, `PUT ${id}`);
        if (validId(id) && isValid(productInputSchema, text)) {
          assert.ok([202, 404].includes(res.status), `valid update answered ${res.status}`);
          if (res.status === 202) adminWrites++;
        } else {
          assert.ok([400, 404].includes(res.status), `invalid update answered ${res.status}`);
          assert.equal(await adminState(), before);
        }
      }),
      RUNS,
    );
  });

  test('GET and DELETE /api/products/:id', async () => {
    await fc.assert(
      fc.asyncProperty(hostileId, fc.boolean(), async (id, remove) => {
        const before = await adminState();
        const res = remove ? await admin.api.delete(path(id)) : await admin.api.get(path(id));
        assertNoServerError(res, `${remove ? 'DELETE' : 'GET'} ${id}`);
        if (validId(id)) {
          assert.ok([remove ? 204 : 200, 404].includes(res.status), `answered ${res.status}`);
          if (remove && res.status === 204) adminWrites++;
        } else {
          assert.ok([400, 404].includes(res.status));
          assert.equal(await adminState(), before);
        }
      }),
      RUNS,
    );
  });

  test('GET /api/products with any query', async () => {
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const res = await admin.api.get(`/api/products?${querystring.stringify(q)}`);
        assertNoServerError(res, `GET ?${querystring.stringify(q)}`);
        assert.equal(res.status, validAdminListQuery(q) ? 200 : 400);
        if (res.status === 200) assert.ok(Array.isArray(res.body) && res.body.length <= 500);
      }),
      RUNS,
    );
  });

  test('POST /api/auth/login never writes and never signs in a stranger', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBodyAround(validLogin), async (text) => {
        const before = await adminState();
        const res = await request(admin.http).post('/api/auth/login').set('content-type', 'application/json').send(text);
        assertNoServerError(res, `login ${text.slice(0, 80)}`);
        assert.equal(res.status, isValid(loginSchema, text) ? 401 : 400);
        assert.equal(await adminState(), before);
      }),
      RUNS,
    );
  });

  test('GET /api/users with any query', async () => {
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const res = await admin.api.get(`/api/users?${querystring.stringify(q)}`);
        assertNoServerError(res, `GET /api/users?${querystring.stringify(q)}`);
        assert.equal(res.status, validQuery(q) ? 200 : 400);
      }),
      RUNS,
    );
  });

  test('every accepted write, and nothing else, was published as an event', async () => {
    const published = await publishedUpToNow(admin);
    // publishedUpToNow adds one marker product of its own.
    assert.equal(published.length, adminWrites + 5 + 1);
    assert.ok(adminWrites > 10, `the generators produced valid writes too (${adminWrites})`);
  });
});

describe('fuzzing main-service from its own schemas', () => {
  test('POST /api/products/:id/like with any id and any body', async () => {
    let user = 0;
    await fc.assert(
      fc.asyncProperty(hostileId, jsonBodyAround(fc.record({ userId: fc.string() })), async (id, text) => {
        const before = await mainState();
        const token = await tokenFor(`fuzz-${++user}`);
        const res = await request(main.app)
          .post(`${path(id)}/like`)
          .set('authorization', `Bearer ${token}`)
          .set('content-type', 'application/json')
          .send(text);
        assertNoServerError(res, `like ${id}`);
        const bodyParses = parsedBody(text).ok;
        if (validId(id) && bodyParses) {
          assert.ok([200, 404].includes(res.status), `answered ${res.status}`);
          if (res.status === 200) {
            assert.equal(res.body.like.userId, `fuzz-${user}`, 'the user comes from the token, never the body');
            mainLikes++;
          }
        } else {
          assert.ok([400, 404].includes(res.status), `answered ${res.status}`);
          assert.equal(await mainState(), before);
        }
      }),
      RUNS,
    );
  });

  test('GET /api/products and /api/products/:id with any query or id', async () => {
    await fc.assert(
      fc.asyncProperty(query, hostileId, async (q, id) => {
        const list = await request(main.app).get(`/api/products?${querystring.stringify(q)}`);
        assertNoServerError(list, `GET ?${querystring.stringify(q)}`);
        assert.equal(list.status, validMainListQuery(q) ? 200 : 400);
        const one = await request(main.app).get(path(id));
        assertNoServerError(one, `GET ${id}`);
        assert.ok(validId(id) ? [200, 404].includes(one.status) : [400, 404].includes(one.status));
      }),
      RUNS,
    );
  });

  test('GET /api/me/likes with any products query: 200 or 400, never a change', async () => {
    const token = await tokenFor('fuzz-reader');
    const ids = fc.array(fc.integer({ min: -3, max: 3_000_000_000 }), { maxLength: 8 }).map((list) => list.join(','));
    await fc.assert(
      fc.asyncProperty(fc.oneof(ids, hostileValue.map(asText)), async (products) => {
        const before = await mainState();
        const res = await request(main.app)
          .get(`/api/me/likes?${querystring.stringify({ products })}`)
          .set('authorization', `Bearer ${token}`);
        assertNoServerError(res, `me/likes ${products}`);
        assert.ok([200, 400].includes(res.status), `answered ${res.status}`);
        if (res.status === 200) assert.ok(Array.isArray(res.body.liked));
        assert.equal(await mainState(), before);
      }),
      RUNS,
    );
  });

  test('every accepted like, and nothing else, was published as an event', async () => {
    await eventually(async () => Number((await main.dataSource.query('SELECT COUNT(*) AS n FROM outbox'))[0].n) === 0, {
      what: 'the outbox to drain',
    });
    const published = await drainQueue(main.messaging.topology.adminQueue, { max: 5000 });
    assert.equal(published.length, mainLikes);
    assert.ok(mainLikes > 5, `the generators produced valid likes too (${mainLikes})`);
  });
});
