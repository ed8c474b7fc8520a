import type { ProductChange } from '../products/product-changes.repository';

/** What the live stream says happened to a product (docs/openapi.yaml, GET /api/products/stream). */
export type LiveEvent = 'product_created' | 'product_updated' | 'product_deleted' | 'product_likes';
export const LIVE_EVENTS: readonly LiveEvent[] = ['product_created', 'product_updated', 'product_deleted', 'product_likes'];

export interface LiveMessage {
  /** The feed id of the last change it stands for: the stream's event id. */
  id: number;
  event: LiveEvent;
  /** The message as it goes on the wire. */
  text: string;
}

/**
 * The changes that become messages, in id order: every change except a like count that a later
 * change of the same product (which carries the count too) makes redundant. A hot product's likes
 * within one window become one message, with the count of the last.
 */
export function coalesce<T extends Pick<ProductChange, 'kind' | 'productId'>>(changes: readonly T[]): T[] {
  const later = new Set<number>();
  const kept: T[] = [];
  for (let i = changes.length - 1; i >= 0; i--) {
    const change = changes[i]!;
    if (change.kind !== 'likes' || !later.has(change.productId)) kept.push(change);
    later.add(change.productId);
  }
  return kept.reverse();
}

/**
 * One change as a message. Each change carries main's row of the product when the feed read it
 * (at least as new as the change), so the message states the product as main holds it: a product
 * that is gone by then is announced as deleted, whatever the change was. Public fields only.
 */
export function messageOf(change: ProductChange): LiveMessage {
  const { productId: id, product } = change;
  if (change.kind === 'deleted' || product.deleted) return message(change.id, 'product_deleted', { id });
  if (change.kind === 'likes') return message(change.id, 'product_likes', { id, likes: product.likes });
  const event = change.kind === 'created' ? 'product_created' : 'product_updated';
  return message(change.id, event, { id, title: product.title, image: product.image, likes: product.likes });
}

function message(id: number, event: LiveEvent, data: object): LiveMessage {
  return { id, event, text: sse({ id, event, data }) };
}

/** A control message: `ready` (a new stream starts after `id`) or `reload` (what was missed cannot be replayed). */
export function controlMessage(event: 'ready' | 'reload', position: number): string {
  return sse({ id: position, event, data: { position } });
}

/** Tells the browser how long to wait before reconnecting once the stream ends. */
export const retryField = (ms: number): string => `retry: ${Math.round(ms)}\n\n`;

/** A comment line: proxies and the browser see traffic, the page sees no event. */
export const HEARTBEAT = ':\n\n';

/** JSON.stringify never emits a raw line break, so one `data:` line holds the whole payload. */
function sse({ id, event, data }: { id: number; event: string; data: object }): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
