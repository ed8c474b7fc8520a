import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEvent, EventTypes, parseEvent } from './events';

describe('event contracts', () => {
  test('createEvent builds a valid envelope with a fresh id and the publishing side as source', () => {
    const event = createEvent(EventTypes.ProductCreated, { id: 1, title: 'Lamp', image: 'https://img.example/l.png', version: 1 });
    assert.equal(event.source, 'admin');
    assert.match(event.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(parseEvent(JSON.parse(JSON.stringify(event))), { ok: true, event });
    assert.equal(createEvent(EventTypes.ProductLiked, { productId: 1, userId: 'u' }).source, 'main');
  });

  test('createEvent refuses to build an off-contract event', () => {
    assert.throws(
      () => createEvent(EventTypes.ProductUpdated, { id: 1, title: '', image: 'https://x.example', version: 2 }),
      /off-contract/,
    );
    assert.throws(() => createEvent(EventTypes.ProductDeleted, { id: -1, version: 1 }), /off-contract/);
  });

  test('parseEvent rejects unknown types, extra fields, wrong sources and non-objects with a reason', () => {
    const good = createEvent(EventTypes.ProductLiked, { productId: 3, userId: 'u' });
    const cases: unknown[] = [
      null,
      'text',
      { ...good, type: 'product_exploded' },
      { ...good, extra: true },
      { ...good, data: { ...good.data, likes: 1000 } },
      { ...good, source: 'admin' },
      { ...good, id: 'not-a-uuid' },
      { ...good, data: { productId: '3', userId: 'u' } },
      { ...good, data: { productId: 3, userId: 'x'.repeat(256) } },
    ];
    for (const candidate of cases) {
      const parsed = parseEvent(candidate);
      assert.equal(parsed.ok, false, JSON.stringify(candidate)?.slice(0, 80));
      assert.ok(!parsed.ok && parsed.reason.startsWith('invalid event'));
    }
  });

  test('an image must be an http(s) URL and a title at most 200 characters', () => {
    const base = { id: 2, version: 1 };
    assert.equal(
      parseEvent({
        ...createEvent(EventTypes.ProductCreated, { ...base, title: 't', image: 'https://a.example/x' }),
        data: { ...base, title: 't', image: 'javascript:alert(1)' },
      }).ok,
      false,
    );
    assert.equal(
      parseEvent({
        ...createEvent(EventTypes.ProductCreated, { ...base, title: 't', image: 'https://a.example/x' }),
        data: { ...base, title: 'x'.repeat(201), image: 'https://a.example/x' },
      }).ok,
      false,
    );
  });
});
