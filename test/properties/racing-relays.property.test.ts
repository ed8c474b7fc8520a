import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { tokenFor as signToken } from '@catalogue/main-service/dist/test-support';
import { createTestNamespace, eventually, type TestDatabase } from '@catalogue/shared/testing';
import {
  CountingObserver,
  migratedDatabase,
  PROPERTY_JWT_SECRET,
  propertyParameters,
  runAdmin,
  runMain,
  type RunningAdmin,
  type RunningMain,
} from './support';

/**
 * Property: two main processes (two outbox relays) over one outbox and two admin processes (two
 * consumers) over one queue, with likes arriving at both mains at once: every accepted like is
 * published, and published more than once only as often as a relay's claim rolled back after the
 * broker had confirmed it (the claim, FOR UPDATE SKIP LOCKED, gives each row to one relay at a
 * time); every like is counted exactly once; no outbox row is left behind.
 */
let mainDb: TestDatabase;
let adminDb: TestDatabase;
const mains: RunningMain[] = [];
const admins: RunningAdmin[] = [];
const ns = createTestNamespace();
const relayObservers = [new CountingObserver(), new CountingObserver()];
const consumerObservers = [new CountingObserver(), new CountingObserver()];
const tokens = new Map<string, string>();

before(async () => {
  [mainDb, adminDb] = await Promise.all([migratedDatabase('main'), migratedDatabase('admin')]);
  // The like limits are not what this property is about; wider runs (PROPERTY_RUNS) would reach them.
  const unlimited = { LIKES_PER_MINUTE_PER_USER: '1000000', LIKES_PER_MINUTE_PER_ADDRESS: '1000000' };
  for (const observer of relayObservers) mains.push(await runMain(mainDb, ns.namespace, observer, { RUN_CONSUMER: 'false', ...unlimited }));
  for (const observer of consumerObservers)
    admins.push(await runAdmin(adminDb, ns.namespace, observer, { AMQP_PREFETCH: '5', RUN_RELAY: 'false' }));
});
after(async () => {
  for (const service of [...mains, ...admins]) await service.stop();
  await Promise.all([mainDb?.drop(), adminDb?.drop()]);
  await ns.cleanup();
});

async function tokenFor(user: string): Promise<string> {
  let token = tokens.get(user);
  if (!token) {
    // With the issuer, audience and role main checks, as admin's sign-in issues them.
    token = await signToken(user, { secret: PROPERTY_JWT_SECRET, expiresIn: '10m' });
    tokens.set(user, token);
  }
  return token;
}

/** The same product in both services, as admin's events would have made it. */
async function createProduct(): Promise<number> {
  const result: { insertId: number } = await admins[0]!.dataSource.query(
    "INSERT INTO products (title, image) VALUES ('p', 'https://img.example/p.png')",
  );
  const id = Number(result.insertId);
  await mains[0]!.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'p', 'https://img.example/p.png', 1)", [
    id,
  ]);
  return id;
}

const published = () => relayObservers.reduce((n, o) => n + o.published_, 0);
const delivered = () => consumerObservers.reduce((n, o) => n + o.mark(), 0);
const duplicates = () => consumerObservers.reduce((n, o) => n + o.outcomes.duplicate, 0);
const rolledBack = () => relayObservers.reduce((n, o) => n + o.rolledBack, 0);

async function outboxRows(): Promise<number> {
  const rows: { n: number }[] = await mains[0]!.dataSource.query('SELECT COUNT(*) AS n FROM outbox');
  return Number(rows[0]!.n);
}

describe('property: two relays and two consumers racing over the same rows', () => {
  test('every accepted like is published once (again only after a rolled-back claim), counted exactly once, and no outbox row is stranded', async () => {
    const scenario = fc.record({
      products: fc.integer({ min: 1, max: 3 }),
      likes: fc.array(fc.record({ product: fc.nat(2), user: fc.stringMatching(/^u[0-9]{1,2}$/), via: fc.nat(1) }), {
        minLength: 1,
        maxLength: 12,
      }),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ products, likes }) => {
        const ids: number[] = [];
        for (let i = 0; i < products; i++) ids.push(await createProduct());
        const publishedBefore = published();
        const deliveredBefore = delivered();
        const duplicatesBefore = duplicates();
        const rolledBackBefore = rolledBack();

        const answers = await Promise.all(
          likes.map(async (like) => {
            const productId = ids[like.product % products]!;
            const res = await request(mains[like.via]!.app)
              .post(`/api/products/${productId}/like`)
              .set('Authorization', `Bearer ${await tokenFor(like.user)}`);
            return { productId, user: like.user, status: res.status };
          }),
        );
        assert.ok(
          answers.every((a) => a.status === 200 || a.status === 400),
          JSON.stringify(answers),
        );
        const accepted = answers.filter((a) => a.status === 200);
        assert.equal(accepted.length, new Set(answers.map((a) => `${a.productId}/${a.user}`)).size, 'one like per user and product');

        await eventually(async () => (await outboxRows()) === 0, {
          timeoutMs: 20_000,
          intervalMs: 20,
          what: 'both relays to drain the outbox',
        });
        // Each row is deleted by the one committed claim that confirmed it, so every confirmed
        // publish beyond one per like belongs to a claim that rolled back after its publish (a
        // deadlock on the DELETE, a failed COMMIT), which the relays count. Two relays publishing
        // the same rows (a broken claim) leave extras that nothing explains.
        const republished = published() - publishedBefore - accepted.length;
        const explained = rolledBack() - rolledBackBefore;
        assert.ok(
          republished >= 0,
          `each like published by one of the relays (${published() - publishedBefore} publishes for ${accepted.length} likes)`,
        );
        assert.ok(
          republished <= explained,
          `${republished} publishes beyond one per like, but only ${explained} confirmed rows were in claims that rolled back: rows were published twice`,
        );
        await eventually(async () => delivered() - deliveredBefore >= accepted.length, {
          timeoutMs: 20_000,
          intervalMs: 20,
          what: 'the two consumers to settle every like',
        });

        // Every extra copy is recognised by admin's inbox, never applied.
        await eventually(async () => duplicates() - duplicatesBefore >= republished, {
          timeoutMs: 20_000,
          intervalMs: 20,
          what: "admin's inbox to drop every extra copy",
        });
        for (const id of ids) {
          const rows: { likes: number }[] = await admins[0]!.dataSource.query('SELECT likes FROM products WHERE id = ?', [id]);
          assert.equal(Number(rows[0]!.likes), accepted.filter((a) => a.productId === id).length, `product ${id} counted once per like`);
        }
      }),
      propertyParameters(),
    );
    assert.ok(
      relayObservers.every((o) => o.published_ > 0),
      'both relays took part',
    );
    assert.ok(
      consumerObservers.every((o) => o.deliveries > 0),
      'both consumers took part',
    );
  });
});
