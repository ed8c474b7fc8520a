import { EventTypes, type EventHandler, type EventType } from '@catalogue/shared';
import { RevokedUsers } from './revocations';

/** Admin's user changes, recorded for every API process to refuse the user's earlier tokens. */
export function userEventHandlers(): Partial<Record<EventType, EventHandler>> {
  return {
    [EventTypes.UserChanged]: async (event, tx) => {
      if (event.type === EventTypes.UserChanged) await RevokedUsers.apply(tx, event.data);
    },
  };
}
