import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createEvent, EventTypes, type CatalogueEvent } from '@catalogue/shared';
import { createTestNamespace, type TestDatabase } from '@catalogue/shared/testing';
import { CountingObserver, deliveryOrder, migratedDatabase, openPublisher, propertyParameters, runMain, type RunningMain } from './support';

/**
 * Property: for any history of admin changes to a few products, delivered to main's real consumer
 * as any permutation with duplicates, main ends in the state of applying the history once in order.
 */
let db: TestDatabase;
let main: RunningMain;
let publisher: Awaited<ReturnType<typeof openPublisher>>;
const ns = createTestNamespace();
const observer = new CountingObserver();
let nextProductId = 1;
/** Runs whose deliveries put some product's events out of version order: the property must have seen some. */
let reorderedRuns = 0;

before(async () => {
  db = await migratedDatabase('main');
  main = await runMain(db, ns.namespace, observer, { AMQP_PREFETCH: '20' });
  publisher = await openPublisher();
});
after(async () => {
  await publisher?.close();
  await main?.stop();
  await db?.drop();
  await ns.cleanup();
});

type Change = { kind: 'update'; title: string; image: string };
interface ProductHistory {
  title: string;
  image: string;
  updates: Change[];
  deleted: boolean;
}

const titleArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,11}[A-Za-z0-9]$/);
const imageArb = fc.stringMatching(/^[a-z0-9]{1,8}$/).map((name) => `https://img.example/${name}.png`);
const historyArb = fc.record({
  title: titleArb,
  image: imageArb,
  updates: fc.array(fc.record({ kind: fc.constant('update' as const), title: titleArb, image: imageArb }), { maxLength: 4 }),
  deleted: fc.boolean(),
});

/** The events admin publishes for one product's history, with the versions it would give them. */
function eventsOf(id: number, history: ProductHistory): CatalogueEvent[] {
  const events: CatalogueEvent[] = [createEvent(EventTypes.ProductCreated, { id, title: history.title, image: history.image, version: 1 })];
  history.updates.forEach((u, i) =>
    events.push(createEvent(EventTypes.ProductUpdated, { id, title: u.title, image: u.image, version: i + 2 })),
  );
  if (history.deleted) events.push(createEvent(EventTypes.ProductDeleted, { id, version: history.updates.length + 2 }));
  return events;
}

const versionOf = (event: CatalogueEvent) => ('version' in event.data ? event.data.version : 0);

/** Whether some product's events arrive with a version lower than one already delivered. */
function outOfOrder(deliveries: CatalogueEvent[]): boolean {
  const highest = new Map<number, number>();
  for (const event of deliveries) {
    const id = 'id' in event.data ? event.data.id : 0;
    if (versionOf(event) < (highest.get(id) ?? 0)) return true;
    highest.set(id, Math.max(versionOf(event), highest.get(id) ?? 0));
  }
  return false;
}

/** Applying the history once, in order: the model main must agree with. */
function expectedState(history: ProductHistory): { deleted: boolean; version: number; title?: string; image?: string } {
  const last = history.updates[history.updates.length - 1] ?? history;
  if (history.deleted) return { deleted: true, version: history.updates.length + 2 };
  return { deleted: false, version: history.updates.length + 1, title: last.title, image: last.image };
}

async function stateInMain(id: number): Promise<{ deleted: boolean; version: number; title?: string; image?: string } | undefined> {
  const rows: { title: string; image: string; version: number; deleted_at: Date | null }[] = await main.dataSource.query(
    'SELECT title, image, version, deleted_at FROM products WHERE id = ?',
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  return row.deleted_at !== null
    ? { deleted: true, version: Number(row.version) }
    : { deleted: false, version: Number(row.version), title: row.title, image: row.image };
}

describe('property: product changes delivered in any order, any number of times', () => {
  test('main ends in the state of applying the history once, in order', async () => {
    const scenario = fc.array(historyArb, { minLength: 1, maxLength: 3 }).chain((histories) => {
      const events = histories.reduce((n, h) => n + 2 + h.updates.length, 0);
      return fc.record({
        histories: fc.constant(histories),
        copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: events, maxLength: events }),
        keys: fc.array(fc.integer(), { minLength: events * 3, maxLength: events * 3 }),
      });
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ histories, copies, keys }) => {
        const products = histories.map((history) => ({ id: nextProductId++, history }));
        const events = products.flatMap(({ id, history }) => eventsOf(id, history));
        const deliveries = deliveryOrder(events, copies, keys);
        if (outOfOrder(deliveries)) reorderedRuns++;
        const from = observer.mark();
        const [applied, duplicates] = [observer.outcomes.applied, observer.outcomes.duplicate];
        for (const event of deliveries) publisher.publish(main.messaging.topology.adminExchange, event.type, event, event.id);
        await publisher.confirmed();
        await observer.settled(from, deliveries.length, `${deliveries.length} deliveries`);
        // The inbox's own verdicts: each distinct event applied once, every extra copy a duplicate.
        assert.equal(observer.outcomes.applied - applied, events.length, 'each distinct event applied once');
        assert.equal(
          observer.outcomes.duplicate - duplicates,
          deliveries.length - events.length,
          'every extra copy recognised by the inbox',
        );

        assert.equal(observer.deadLetters, 0, 'nothing was dead-lettered');
        for (const { id, history } of products) {
          assert.deepEqual(await stateInMain(id), expectedState(history), `product ${id}`);
        }
        const processed: unknown[] = await main.dataSource.query('SELECT event_id FROM processed_events WHERE event_id IN (?)', [
          events.map((e) => e.id),
        ]);
        assert.equal(processed.length, events.length, 'every distinct event recorded once in the inbox');
      }),
      propertyParameters(),
    );
    // A property that never produced what it is about would pass while proving nothing.
    assert.ok(observer.outcomes.duplicate > 0, 'duplicates were actually delivered and recognised');
    assert.ok(reorderedRuns > 0, "some runs delivered a product's events out of version order");
  });
});
