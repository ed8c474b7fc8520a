import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { ServiceMessaging } from '@catalogue/shared';
import { eventually } from '@catalogue/shared/testing';
import { ServicesClient } from '@catalogue/ops/dist/reconcile/services.client';
import { exitCodeOf, formatReport, reconcile } from '@catalogue/ops/dist/reconcile/reconcile';
import { listen, type ListeningSystem } from '../support/http';
import { startSystem, type SystemUnderTest } from '../support/system';

let system: SystemUnderTest;
let http: ListeningSystem;
let client: ServicesClient;
/** The operator's staff token: both services' /internal routes are staff-only. */
let opsToken: string;

before(async () => {
  system = await startSystem();
  http = await listen(system);
  opsToken = await system.tokenFor('ops', 'staff');
  client = new ServicesClient(http.mainUrl, http.adminUrl, 5000, opsToken);
});
after(async () => {
  await http?.close();
  await system?.stop();
});

const tokenFor = (user: string) => system.tokenFor(user, 'customer');

async function createInAdmin(title: string): Promise<number> {
  const res = await system.admin.api.post('/api/products').send({ title, image: 'https://img.example/r.png' }).expect(201);
  const id = res.body.id as number;
  await eventually(async () => (await request(system.main.app).get(`/api/products/${id}`)).status === 200, {
    what: `product ${id} in main`,
  });
  return id;
}

async function like(id: number, user: string): Promise<void> {
  await request(system.main.app)
    .post(`/api/products/${id}/like`)
    .set('Authorization', `Bearer ${await tokenFor(user)}`)
    .expect(200);
}

async function adminLikes(id: number): Promise<number> {
  return (await system.admin.api.get(`/api/products/${id}`).expect(200)).body.likes as number;
}

async function likeIds(productId: number, users: string[]): Promise<string[]> {
  const likes: { id: string }[] = await system.main.dataSource.query('SELECT id FROM likes WHERE product_id = ? AND user_id IN (?)', [
    productId,
    users,
  ]);
  assert.equal(likes.length, users.length);
  return likes.map((l) => l.id);
}

/** As if these users' like events never reached admin: not counted, not in its inbox, not among its applied likes. */
async function forgetInAdmin(productId: number, users: string[]): Promise<void> {
  const ids = await likeIds(productId, users);
  await system.admin.dataSource.query('DELETE FROM processed_events WHERE event_id IN (?)', [ids]);
  await system.admin.dataSource.query('DELETE FROM applied_likes WHERE like_id IN (?)', [ids]);
  await system.admin.dataSource.query('UPDATE products SET likes = likes - ? WHERE id = ?', [ids.length, productId]);
}

/** Admin's inbox forgets these users' likes, as its pruner does once they pass the retention. */
async function pruneFromAdminInbox(productId: number, users: string[]): Promise<void> {
  const ids = await likeIds(productId, users);
  await system.admin.dataSource.query(
    'UPDATE processed_events SET processed_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 YEAR WHERE event_id IN (?)',
    [ids],
  );
  await system.admin.app.get(ServiceMessaging).inboxPruner!.prune();
  const left: unknown[] = await system.admin.dataSource.query('SELECT event_id FROM processed_events WHERE event_id IN (?)', [ids]);
  assert.deepEqual(left, [], 'the inbox forgot them');
}

/** Runs the real CLI (asynchronously: the services it calls live in this process). */
function cli(
  args: string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [require.resolve('@catalogue/ops/dist/reconcile.js'), ...args],
      {
        env: { PATH: process.env.PATH, MAIN_URL: http.mainUrl, ADMIN_URL: http.adminUrl, OPS_TOKEN: opsToken, NODE_ENV: 'test', ...env },
        encoding: 'utf8',
        timeout: 30_000,
      },
      (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/** Reconciles until nothing is left (events apply asynchronously after a repair). */
async function noDriftLeft(): Promise<void> {
  let left: unknown;
  await eventually(
    async () => {
      const { drift } = await reconcile(client, { repair: false });
      left = drift;
      return drift.length === 0;
    },
    { timeoutMs: 45_000, what: 'no drift' },
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(left)}`);
  });
}

describe('reconcile: compare main with admin and repair through events', () => {
  test('in sync after normal traffic: the command prints no drift and exits 0', async () => {
    const id = await createInAdmin('Synced');
    await like(id, 'sync-user');
    await eventually(async () => (await adminLikes(id)) === 1);
    const run = await cli();
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /drift: 0;/);
  });

  test('drift in products and likes is printed, then --repair fixes it through the event path and the likes are counted once', async () => {
    const behind = await createInAdmin('Behind');
    const missing = await createInAdmin('Missing');
    const gone = await createInAdmin('Gone');
    const liked = await createInAdmin('Liked');
    await like(liked, 'u1');
    await like(liked, 'u2');
    await like(liked, 'u3');
    await eventually(async () => (await adminLikes(liked)) === 3, { what: 'three likes in admin' });

    // Drift as lost events would leave it: main behind on one product, missing another, still showing a deleted one;
    // admin missed two of the three likes.
    await system.main.dataSource.query("UPDATE products SET title = 'old title' WHERE id = ?", [behind]);
    await system.main.dataSource.query('DELETE FROM products WHERE id = ?', [missing]);
    await system.admin.dataSource.query('UPDATE products SET deleted_at = NOW(3), version = version + 1 WHERE id = ?', [gone]);
    await forgetInAdmin(liked, ['u2', 'u3']);

    const dry = await cli();
    assert.equal(dry.status, 1, dry.stdout + dry.stderr);
    assert.match(dry.stdout, new RegExp(`product ${behind}  stale_in_main: title "old title" in main, "Behind" in admin`));
    assert.match(dry.stdout, new RegExp(`product ${missing}  missing_in_main`));
    assert.match(dry.stdout, new RegExp(`product ${gone}  deleted_in_admin_live_in_main`));
    assert.match(dry.stdout, new RegExp(`product ${liked}  likes_missing_in_admin: admin counts 1, main has 3 likes  \\[repairable\\]`));
    assert.match(dry.stdout, /drift: 4 .*; repairable: 4; not repairable: 0/);

    const fix = await cli(['--repair']);
    assert.equal(fix.status, 0, fix.stdout + fix.stderr);
    assert.match(fix.stdout, /repairs sent: 4; failed: 0/);
    await noDriftLeft();

    assert.equal((await request(system.main.app).get(`/api/products/${behind}`).expect(200)).body.title, 'Behind');
    await request(system.main.app).get(`/api/products/${missing}`).expect(200);
    await request(system.main.app).get(`/api/products/${gone}`).expect(404);
    // The likes went out again under their original ids: the one admin had counted was dropped by its inbox.
    assert.equal(await adminLikes(liked), 3);
  });

  test('a repair run twice changes nothing more', async () => {
    const id = await createInAdmin('Twice');
    await like(id, 'twice-1');
    await eventually(async () => (await adminLikes(id)) === 1);
    await forgetInAdmin(id, ['twice-1']);
    const first = await reconcile(client, { repair: true });
    const second = await reconcile(client, { repair: true });
    assert.ok(first.repaired.some((d) => d.productId === id && d.kind === 'likes_missing_in_admin'));
    assert.ok(second.repaired.length <= first.repaired.length);
    await noDriftLeft();
    assert.equal(await adminLikes(id), 1);
  });

  test('after the inbox has pruned the likes admin counted, a repair re-announcing every like of the product counts only the missing ones', async () => {
    const id = await createInAdmin('Pruned');
    for (const user of ['p1', 'p2', 'p3', 'p4']) await like(id, user);
    await eventually(async () => (await adminLikes(id)) === 4, { what: 'four likes in admin' });
    // Admin missed two of them; the two it counted are long gone from its inbox.
    await forgetInAdmin(id, ['p3', 'p4']);
    await pruneFromAdminInbox(id, ['p1', 'p2']);

    const report = await reconcile(client, { repair: true });
    assert.ok(
      report.repaired.some((d) => d.productId === id && d.kind === 'likes_missing_in_admin'),
      JSON.stringify(report.drift),
    );
    await noDriftLeft();
    // Main re-announced all four under their original ids: the two admin had counted were recognised, not counted again.
    assert.equal(await adminLikes(id), 4);
    // And again, now that every one of them is counted: nothing changes.
    await pruneFromAdminInbox(id, ['p1', 'p2', 'p3', 'p4']);
    await staff(request(main()).post(`/internal/products/${id}/likes/announce`)).expect(202);
    await eventually(async () => ((await system.main.dataSource.query('SELECT id FROM outbox')) as unknown[]).length === 0, {
      what: "main's outbox drained",
    });
    await eventually(
      async () => {
        const rows: unknown[] = await system.admin.dataSource.query('SELECT event_id FROM processed_events WHERE event_id IN (?)', [
          await likeIds(id, ['p1', 'p2', 'p3', 'p4']),
        ]);
        return rows.length === 4;
      },
      { what: 'the four re-announced likes processed by admin' },
    );
    assert.equal(await adminLikes(id), 4);
  });

  test('an unlike admin missed shows as extra likes in admin, and a repair takes the like back once (twice changes nothing)', async () => {
    const id = await createInAdmin('Unliked');
    for (const user of ['u1', 'u2']) await like(id, user);
    const [taken] = await likeIds(id, ['u1']);
    await request(system.main.app)
      .delete(`/api/products/${id}/like`)
      .set('Authorization', `Bearer ${await tokenFor('u1')}`)
      .expect(204);
    await eventually(async () => (await adminLikes(id)) === 1, { what: 'the unlike applied in admin' });
    // As if the product_unliked never reached admin: the like counted and not taken back, the event unknown.
    const [removal] = (await system.main.dataSource.query('SELECT unlike_id FROM removed_likes WHERE like_id = ?', [taken])) as {
      unlike_id: string;
    }[];
    await system.admin.dataSource.query('DELETE FROM processed_events WHERE event_id = ?', [removal!.unlike_id]);
    await system.admin.dataSource.query('UPDATE applied_likes SET unliked_at = NULL WHERE like_id = ?', [taken]);
    await system.admin.dataSource.query('UPDATE products SET likes = likes + 1 WHERE id = ?', [id]);

    const report = await reconcile(client, { repair: true });
    const item = report.drift.find((d) => d.productId === id);
    assert.equal(item?.kind, 'likes_extra_in_admin', JSON.stringify(report.drift));
    assert.equal(item?.detail, 'admin counts 2, main has only 1 likes (and 1 taken back)');
    assert.ok(report.repaired.includes(item!));
    await noDriftLeft();
    assert.equal(await adminLikes(id), 1);
    await reconcile(client, { repair: true });
    await staff(request(main()).post(`/internal/products/${id}/likes/announce`)).expect(202);
    await eventually(async () => ((await system.main.dataSource.query('SELECT id FROM outbox')) as unknown[]).length === 0, {
      what: "main's outbox drained",
    });
    await eventually(
      async () =>
        (
          (await system.admin.dataSource.query('SELECT event_id FROM processed_events WHERE event_id = ?', [
            removal!.unlike_id,
          ])) as unknown[]
        ).length === 1,
      {
        what: 'the re-announced unlike processed by admin',
      },
    );
    assert.equal(await adminLikes(id), 1, 'taken back once');
  });

  test('what events cannot repair is reported as such and the command exits 1 even with --repair', async () => {
    const id = await createInAdmin('Overcounted');
    await system.admin.dataSource.query('UPDATE products SET likes = 5 WHERE id = ?', [id]);
    try {
      const report = await reconcile(client, { repair: true });
      const item = report.drift.find((d) => d.productId === id);
      assert.equal(item?.kind, 'likes_extra_in_admin');
      assert.equal(item?.repair, undefined);
      assert.equal(exitCodeOf(report, true), 1);
      assert.match(
        formatReport(report, true),
        new RegExp(`product ${id}  likes_extra_in_admin: admin counts 5, main has only 0 likes  \\[NOT repairable by events\\]`),
      );
    } finally {
      await system.admin.dataSource.query('UPDATE products SET likes = 0 WHERE id = ?', [id]);
    }
  });

  test('without a staff token the services refuse it: the command says who answered 401 and exits 2', async () => {
    const anonymous = await cli([], { OPS_TOKEN: undefined });
    assert.equal(anonymous.status, 2, anonymous.stdout + anonymous.stderr);
    assert.match(anonymous.stderr, /reconcile failed: main answered 401 \(unauthenticated\) to GET \/internal\/products\/snapshot/);
    const customer = await cli([], { OPS_TOKEN: await tokenFor('not-staff') });
    assert.equal(customer.status, 2, customer.stdout + customer.stderr);
    assert.match(customer.stderr, /reconcile failed: main answered 403 \(forbidden\)/);
  });

  test('when a service is unreachable the command says which and exits 2', async () => {
    const run = await cli([], { MAIN_URL: 'http://127.0.0.1:1', OPS_HTTP_TIMEOUT_MS: '2000' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /reconcile failed: main at http:\/\/127\.0\.0\.1:1 is unreachable/);
  });
});

describe('GET /internal/products/snapshot on main and POST /internal/products/:id/likes/announce', () => {
  test("main's snapshot shows tombstones and both like counts; bad queries are 400", async () => {
    const id = await createInAdmin('Audited');
    await like(id, 'audit-1');
    const res = await staff(request(main()).get(`/internal/products/snapshot?after=${id - 1}&limit=1`)).expect(200);
    assert.deepEqual(res.body.items, [
      { id, title: 'Audited', image: 'https://img.example/r.png', version: 1, deleted: false, likes: 1, likeRows: 1, removedLikes: 0 },
    ]);
    const bad = await staff(request(main()).get('/internal/products/snapshot?limit=5000')).expect(400);
    assert.equal(bad.body.details[0].field, 'limit');
  });

  test('re-announcing likes answers how many went back to the outbox; a bad id is 400, an id without likes announces 0', async () => {
    const id = await createInAdmin('Announced');
    await like(id, 'ann-1');
    await like(id, 'ann-2');
    const res = await staff(request(main()).post(`/internal/products/${id}/likes/announce`)).expect(202);
    assert.deepEqual(res.body, { productId: id, announced: 2, removalsAnnounced: 0 });
    await staff(request(main()).post('/internal/products/x/likes/announce')).expect(400);
    assert.equal((await staff(request(main()).post('/internal/products/2000000000/likes/announce')).expect(202)).body.announced, 0);
    await eventually(async () => (await adminLikes(id)) === 2);
  });

  test('both routes answer 401 without a token and 403 to a customer', async () => {
    const id = await createInAdmin('Guarded');
    const customer = `Bearer ${await tokenFor('guard-1')}`;
    for (const call of [
      () => request(main()).get('/internal/products/snapshot'),
      () => request(main()).post(`/internal/products/${id}/likes/announce`),
    ]) {
      assert.equal((await call().expect(401)).body.code, 'unauthenticated');
      assert.equal((await call().set('Authorization', customer).expect(403)).body.code, 'forbidden');
    }
  });
});

function main() {
  return system.main.app;
}

function staff(req: request.Test): request.Test {
  return req.set('Authorization', `Bearer ${opsToken}`);
}
