import { EventTypes, type EventHandler, type EventType } from '@catalogue/shared';
import type { ProductsService } from './products.service';

/**
 * Admin's product events, applied to main's copy (inside the consumer's inbox transaction).
 * `onStale` hears of each event that changed nothing because main already had a newer version or
 * the tombstone (events applied out of order, e.g. by a batch catching up on a backlog).
 */
export function productEventHandlers(
  products: ProductsService,
  onStale: (type: EventType) => void = () => undefined,
): Partial<Record<EventType, EventHandler>> {
  const applySnapshot: EventHandler = async (event, tx) => {
    if (event.type === EventTypes.ProductCreated || event.type === EventTypes.ProductUpdated) {
      if ((await products.applySnapshot(tx, event.data)) === 'stale') onStale(event.type);
    }
  };
  return {
    [EventTypes.ProductCreated]: applySnapshot,
    [EventTypes.ProductUpdated]: applySnapshot,
    [EventTypes.ProductDeleted]: async (event, tx) => {
      if (event.type === EventTypes.ProductDeleted && (await products.applyDeletion(tx, event.data.id, event.data.version)) === 'stale')
        onStale(event.type);
    },
  };
}
