import { EventTypes, type EventHandler, type EventType } from '@catalogue/shared';
import type { ProductsService } from './products.service';

/** Admin's product events, applied to main's copy (inside the consumer's inbox transaction). */
export function productEventHandlers(products: ProductsService): Partial<Record<EventType, EventHandler>> {
  const applySnapshot: EventHandler = async (event, tx) => {
    if (event.type === EventTypes.ProductCreated || event.type === EventTypes.ProductUpdated) await products.applySnapshot(tx, event.data);
  };
  return {
    [EventTypes.ProductCreated]: applySnapshot,
    [EventTypes.ProductUpdated]: applySnapshot,
    [EventTypes.ProductDeleted]: async (event, tx) => {
      if (event.type === EventTypes.ProductDeleted) await products.applyDeletion(tx, event.data.id, event.data.version);
    },
  };
}
