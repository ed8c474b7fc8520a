/**
 * Carries the outbox row's commit time (ms since the epoch) with every published event. Lag is
 * measured from it rather than from the event's occurredAt: an event re-announced by reconcile
 * keeps its original occurredAt (and id), yet it was committed just now.
 */
export const COMMITTED_AT_HEADER = 'x-committed-at';

/**
 * When the delivered event was committed for publishing: the relay's header, or (from a
 * publisher without it, e.g. an older release) the event's own occurredAt.
 */
export function committedAtMs(headers: Record<string, unknown> | undefined, occurredAt: string): number {
  const header = Number(headers?.[COMMITTED_AT_HEADER]);
  return Number.isFinite(header) && header > 0 ? header : Date.parse(occurredAt);
}
