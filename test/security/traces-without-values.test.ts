import { spans } from '../support/memory-tracing'; // first: instrumentation must load before the services
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import request from 'supertest';
import { UsersService } from '@catalogue/admin-service/dist/users/users.service';
import { eventually } from '@catalogue/shared/testing';
import { startSystem, type SystemUnderTest } from '../support/system';

/**
 * The mysql2 instrumentation records each statement as a span attribute; with values filled in,
 * every sign-in's email, every liker's id and (in development) password hashes would sit in the
 * trace store, readable by whoever reads traces. Statements are recorded without their values,
 * and the driver's error messages (which quote the offending value) are masked too.
 */
let system: SystemUnderTest;
before(async () => {
  system = await startSystem();
});
after(() => system?.stop());

/** Everything a span carries that a trace store would keep, as text. */
function recorded(): string {
  return JSON.stringify(
    spans.getFinishedSpans().map((s) => ({
      name: s.name,
      attributes: s.attributes,
      status: s.status,
      events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    })),
  );
}

describe('traces carry no SQL values', () => {
  test('sign-in, seeding a password, a like and a duplicate key leave no email, user id or password hash in any span', async () => {
    const secret = randomUUID().slice(0, 8);
    const email = `trace-${secret}@example.test`;
    const password = `pw-${secret}-long-enough`;
    const users = system.admin.app.get(UsersService);
    await users.ensureUsers([{ email, name: 'Traced Person', password, role: 'customer' }]);
    const [row] = (await system.admin.dataSource.query('SELECT password_hash FROM users WHERE email = ?', [email])) as {
      password_hash: string;
    }[];
    const hash = row!.password_hash;
    spans.reset();

    await request(system.admin.http).post('/api/auth/login').send({ email, password }).expect(200);
    await request(system.admin.http)
      .post('/api/auth/login')
      .send({ email: `nobody-${secret}@example.test`, password })
      .expect(401);
    const product = await system.admin.api
      .post('/api/products')
      .send({ title: 'Masked lamp', image: 'https://img.example/m.png' })
      .expect(201);
    await eventually(async () => (await request(system.main.app).get(`/api/products/${product.body.id}`)).status === 200, {
      what: 'the product in main',
    });
    const liker = `liker-${secret}`;
    const token = await system.tokenFor(liker, 'customer');
    await request(system.main.app).post(`/api/products/${product.body.id}/like`).set('authorization', `Bearer ${token}`).expect(200);
    await request(system.main.app).post(`/api/products/${product.body.id}/like`).set('authorization', `Bearer ${token}`).expect(400);
    // A duplicate key: the database's error message quotes the value.
    const duplicate = `dup-${secret}`;
    // Inside a traced span, as a request's statements run: statements outside one are not traced at all.
    await trace.getTracer('test').startActiveSpan('duplicate key', async (span) => {
      await system.main.dataSource.query("INSERT INTO processed_events (event_id, event_type) VALUES (?, 'test')", [duplicate]);
      await assert.rejects(
        system.main.dataSource.query("INSERT INTO processed_events (event_id, event_type) VALUES (?, 'test')", [duplicate]),
      );
      span.end();
    });
    await eventually(
      async () => (await system.admin.dataSource.query('SELECT likes FROM products WHERE id = ?', [product.body.id]))[0]?.likes === 1,
      { what: 'the like counted in admin' },
    );

    const text = recorded();
    // The statements are there, only without their values.
    assert.match(text, /SELECT id, email, role, password_hash, disabled, token_version FROM users WHERE email = \?/);
    assert.match(text, /INSERT INTO processed_events \(event_id, event_type\) VALUES \(\?, \?\)/);
    assert.match(text, /Duplicate entry \?/, "the duplicate key's error is recorded, masked");
    for (const value of [email, `nobody-${secret}`, liker, hash, duplicate, password, secret]) {
      assert.ok(!text.includes(value), `a span carries ${value}`);
    }
  });
});
