import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProductChange, ProductChangeKind } from '../products/product-changes.repository';
import { coalesce, messageOf } from './live-messages';

let nextId = 1;
function change(kind: ProductChangeKind, productId: number, product: Partial<ProductChange['product']> = {}): ProductChange {
  return {
    id: nextId++,
    kind,
    productId,
    ageSeconds: 0,
    product: {
      title: `Product ${productId}`,
      image: `https://img.example/${productId}.png`,
      likes: 0,
      version: 1,
      deleted: false,
      ...product,
    },
  };
}

describe('which changes become messages', () => {
  test("a product's likes within one window become one message, the last; other products keep theirs", () => {
    const changes = [
      change('likes', 1, { likes: 1 }),
      change('likes', 2, { likes: 7 }),
      change('likes', 1, { likes: 2 }),
      change('likes', 1, { likes: 3 }),
    ];
    assert.deepEqual(
      coalesce(changes).map((c) => [c.productId, c.product.likes]),
      [
        [2, 7],
        [1, 3],
      ],
    );
  });

  test('a like followed by a rename of the same product goes with the rename (it carries the count); ids stay in order', () => {
    const like = change('likes', 3, { likes: 4 });
    const other = change('likes', 4);
    const rename = change('updated', 3, { likes: 4, title: 'Renamed' });
    const kept = coalesce([like, other, rename]);
    assert.deepEqual(kept, [other, rename]);
  });

  test('creations, renames and deletions are never dropped, even of one product in one window', () => {
    const changes = [change('created', 5), change('updated', 5), change('deleted', 5, { deleted: true })];
    assert.deepEqual(coalesce(changes), changes);
  });
});

describe('what a message says', () => {
  test('each kind as its event, with public fields only', () => {
    const created = change('created', 6, { title: 'Lamp', likes: 2 });
    assert.equal(
      messageOf(created).text,
      `id: ${created.id}\nevent: product_created\ndata: {"id":6,"title":"Lamp","image":"https://img.example/6.png","likes":2}\n\n`,
    );
    const liked = change('likes', 6, { likes: 3 });
    assert.equal(messageOf(liked).text, `id: ${liked.id}\nevent: product_likes\ndata: {"id":6,"likes":3}\n\n`);
    assert.equal(messageOf(change('updated', 6)).event, 'product_updated');
    assert.equal(messageOf(change('deleted', 6, { deleted: true })).text.split('\n')[2], 'data: {"id":6}');
  });

  test('a product that is already gone when its change is read is announced as deleted, whatever the change was', () => {
    for (const kind of ['created', 'updated', 'likes'] as const)
      assert.equal(messageOf(change(kind, 7, { deleted: true })).event, 'product_deleted');
  });

  test('a title with line breaks or quotes stays one data line', () => {
    const text = messageOf(change('updated', 8, { title: 'Two\nlines "quoted"\r' })).text;
    assert.equal(text.split('\n').length, 5, 'id, event, data, and the blank line');
    assert.match(text, /data: \{"id":8,"title":"Two\\nlines \\"quoted\\"\\r"/);
  });
});
