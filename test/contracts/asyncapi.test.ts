import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { aProduct, publishedUpToNow, startAdmin, type AdminUnderTest } from '@catalogue/admin-service/dist/test-support';
import { EVENTS_TRANSPORT } from '@catalogue/admin-service/dist/common/shutdown';
import type { EventsTransport } from '@catalogue/admin-service/dist/common/events.transport';
import { productEventHandlers } from '@catalogue/main-service/dist/products/products.consumer';
import { freshProductId, startMain, tokenFor, type MainUnderTest } from '@catalogue/main-service/dist/test-support';
import { userEventHandlers } from '@catalogue/main-service/dist/users/users.consumer';
import { asyncApiDocument, EventTypes, SUBSCRIPTIONS, type CatalogueEvent } from '@catalogue/shared';
import { drainQueue, eventually } from '@catalogue/shared/testing';
import { committed, render } from './documents';

const document = asyncApiDocument();
const messagesOn = (channel: string) =>
  Object.values(document.channels[channel]!.messages).map((m) => (m as { $ref: string }).$ref.split('/').pop()!);
const messageOfType = (type: string) =>
  Object.entries((document.components as { messages: Record<string, { name: string; payload: object }> }).messages).find(
    ([, m]) => m.name === type,
  );
const nameOf = (type: string) => messageOfType(type)?.[0];

/** A payload as the document describes it (JSON Schema draft-07, AsyncAPI's default schema format). */
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
function assertOnContract(event: CatalogueEvent, channel: string): void {
  const message = messageOfType(event.type);
  assert.ok(message, `${event.type} is a message of docs/asyncapi.yaml`);
  assert.ok(messagesOn(channel).includes(message[0]), `${event.type} travels on ${channel}`);
  const validate = ajv.compile(message[1].payload);
  assert.ok(validate(event), `${event.type} matches its documented payload: ${ajv.errorsText(validate.errors)}`);
}

describe('docs/asyncapi.yaml', () => {
  test('is the document generated from the event contracts (run `npm run contracts` after changing an event)', () => {
    assert.equal(committed('docs/asyncapi.yaml'), render(document));
  });

  test('is valid AsyncAPI 3.0 (@asyncapi/parser reports no error)', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(committed('docs/asyncapi.yaml'));
    // The enum comes from spectral-core's own copy of @stoplight/types, which nothing here can import; 0 is Error.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-comparison -- see the line above
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
    assert.deepEqual(errors, []);
    assert.ok(parsed, 'parsed');
    assert.equal(parsed.allMessages().length, Object.values(EventTypes).length);
  });

  test('every event type has its message, sent on its publisher exchange and received on the queues subscribed to it', () => {
    for (const type of Object.values(EventTypes)) assert.ok(nameOf(type), `${type} is documented`);
    for (const [consumer, { events }] of Object.entries(SUBSCRIPTIONS)) {
      assert.deepEqual(messagesOn(consumer === 'main' ? 'mainQueue' : 'adminQueue').sort(), events.map((t) => nameOf(t)!).sort());
    }
  });
});

describe('what the services publish and consume is in docs/asyncapi.yaml', () => {
  let admin: AdminUnderTest;
  let main: MainUnderTest;
  before(async () => {
    [admin, main] = await Promise.all([startAdmin(), startMain()]);
  });
  after(async () => {
    await Promise.all([admin?.stop(), main?.stop()]);
  });

  test("main's consumer handles exactly the events documented on its queue", () => {
    // The handler sets app.ts gives main's consumer.
    const handled = Object.keys({ ...productEventHandlers({} as never, () => undefined), ...userEventHandlers() });
    assert.deepEqual(handled.map((t) => nameOf(t)).sort(), messagesOn('mainQueue').sort());
  });

  test("admin's consumer (@EventPattern handlers) handles exactly the events documented on its queue", () => {
    const transport = admin.app.get<EventsTransport>(EVENTS_TRANSPORT);
    const patterns = [...transport.getHandlers().keys()].map((pattern) => pattern.replace(/\[\]$/, ''));
    assert.ok(patterns.length > 0, 'the transport has handlers');
    assert.deepEqual([...new Set(patterns)].map((t) => nameOf(t)).sort(), messagesOn('adminQueue').sort());
  });

  test('admin publishes product_created, product_updated and product_deleted as documented', async () => {
    const created = await admin.api.post('/api/products').send(aProduct()).expect(201);
    await admin.api.put(`/api/products/${created.body.id}`).send(aProduct()).expect(202);
    await admin.api.delete(`/api/products/${created.body.id}`).expect(204);
    const published = (await publishedUpToNow(admin)).filter((e) => 'id' in e.data && e.data.id === created.body.id);
    assert.deepEqual(published.map((e) => e.type).sort(), [
      EventTypes.ProductCreated,
      EventTypes.ProductDeleted,
      EventTypes.ProductUpdated,
    ]);
    // Every type admin sends is one of these or user_changed (below): the document's send operations say the same.
    for (const event of published) assertOnContract(event, 'adminEvents');
  });

  test('admin publishes user_changed as documented', async () => {
    const email = `contract-${Date.now()}@example.test`;
    // Not user 1: the test's staff token speaks for user 1, who may not change themselves.
    await admin.db.query("INSERT INTO users (email, name) VALUES (?, 'Filler'), (?, 'Contract')", [`filler-${email}`, email]);
    const [user] = (await admin.db.query('SELECT id FROM users WHERE email = ?', [email])) as { id: number }[];
    await admin.api.patch(`/api/users/${user!.id}`).send({ disabled: true }).expect(200);
    const changed = (await publishedUpToNow(admin)).find((e) => e.type === EventTypes.UserChanged && e.data.userId === String(user!.id));
    assert.ok(changed, 'user_changed published');
    assertOnContract(changed, 'adminEvents');
  });

  test('main publishes product_liked as documented', async () => {
    const productId = freshProductId();
    await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Liked', 'https://img.example/l.png', 1)", [
      productId,
    ]);
    await request(main.app)
      .post(`/api/products/${productId}/like`)
      .set('authorization', `Bearer ${await tokenFor('contract-user')}`)
      .expect(200);
    const seen: CatalogueEvent[] = [];
    const liked = await eventually(
      async () => {
        for (const message of await drainQueue(main.messaging.topology.adminQueue))
          seen.push(JSON.parse(message.content.toString('utf8')) as CatalogueEvent);
        return seen.find((e) => e.type === EventTypes.ProductLiked && e.data.productId === productId);
      },
      { what: 'the like on the broker' },
    );
    assertOnContract(liked, 'mainEvents');
  });

  test('main publishes product_unliked as documented', async () => {
    const productId = freshProductId();
    await main.dataSource.query("INSERT INTO products (id, title, image, version) VALUES (?, 'Unliked', 'https://img.example/u.png', 1)", [
      productId,
    ]);
    const token = await tokenFor('contract-unliker');
    await request(main.app).post(`/api/products/${productId}/like`).set('authorization', `Bearer ${token}`).expect(200);
    await request(main.app).delete(`/api/products/${productId}/like`).set('authorization', `Bearer ${token}`).expect(204);
    const seen: CatalogueEvent[] = [];
    const unliked = await eventually(
      async () => {
        for (const message of await drainQueue(main.messaging.topology.adminQueue))
          seen.push(JSON.parse(message.content.toString('utf8')) as CatalogueEvent);
        return seen.find((e) => e.type === EventTypes.ProductUnliked && e.data.productId === productId);
      },
      { what: 'the unlike on the broker' },
    );
    assertOnContract(unliked, 'mainEvents');
  });
});
