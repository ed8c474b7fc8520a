import { useEffect, useRef, useState } from 'react';

/** How a page hears of changes: a live stream, trying to get one back, or by fetching again now and then. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'polling';

export type ProductEvent = 'product_created' | 'product_updated' | 'product_deleted' | 'product_likes';
const PRODUCT_EVENTS: ProductEvent[] = ['product_created', 'product_updated', 'product_deleted', 'product_likes'];

/** One message of GET /api/products/stream: the product as main holds it (deleted: its id only; likes: id and count). */
export interface ProductChangeMessage {
  /** The stream's event id: the change feed position this message brings the page to. */
  position: number;
  event: ProductEvent;
  product: { id: number; title?: string; image?: string; likes?: number };
}

export interface LiveHandlers {
  /**
   * The stream starts after `position`: a list read at that position or later misses nothing; an
   * older one, or any list when `reload` is true (what was missed cannot be replayed), must be read again.
   */
  onStart(position: number, reload: boolean): void;
  onChange(message: ProductChangeMessage): void;
  /** No stream right now: read the list again (every `fallbackMs` while it lasts). */
  onPoll(): void;
}

export interface LiveOptions {
  /** How often the list is read again while there is no stream. */
  fallbackMs?: number;
  onStatus?(status: LiveStatus): void;
}

const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 60_000;

/**
 * A page's subscription to a live stream (EventSource). The browser reconnects a dropped stream by
 * itself, sending the last message's id; when the stream was refused instead (a full server, a
 * proxy's error page), a new one is opened later, with `?after=` so nothing is missed either way.
 * While there is no stream the page reads its list every `fallbackMs`; without EventSource at all,
 * that is all it does.
 */
export class LiveFeed {
  private source?: EventSource;
  private lastPosition?: string;
  private pollTimer?: ReturnType<typeof setInterval>;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private retryMs = FIRST_RETRY_MS;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly handlers: LiveHandlers,
    private readonly options: LiveOptions = {},
  ) {}

  start(): void {
    if (typeof EventSource === 'undefined') {
      this.status('polling');
      this.startPolling();
      return;
    }
    this.status('connecting');
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.source?.close();
    this.source = undefined;
    clearInterval(this.pollTimer);
    clearTimeout(this.retryTimer);
  }

  private connect(): void {
    const url =
      this.lastPosition === undefined
        ? this.url
        : `${this.url}${this.url.includes('?') ? '&' : '?'}after=${encodeURIComponent(this.lastPosition)}`;
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => {
      this.retryMs = FIRST_RETRY_MS;
      this.stopPolling();
      this.status('live');
    };
    source.onerror = () => {
      if (this.stopped || source !== this.source) return;
      this.status('reconnecting');
      this.startPolling();
      // CONNECTING: the browser is trying again by itself. CLOSED: it gave up (an answer that was
      // no stream, e.g. 503 at capacity): try again later, further apart each time.
      if (source.readyState === EventSource.CLOSED) {
        this.source = undefined;
        const wait = this.retryMs * (0.75 + Math.random() / 2);
        this.retryMs = Math.min(this.retryMs * 2, LONGEST_RETRY_MS);
        this.retryTimer = setTimeout(() => this.connect(), wait);
      }
    };
    const start = (reload: boolean) => (event: MessageEvent<string>) => {
      this.lastPosition = event.lastEventId;
      this.handlers.onStart(Number(event.lastEventId), reload);
    };
    source.addEventListener('ready', start(false));
    source.addEventListener('reload', start(true));
    for (const name of PRODUCT_EVENTS) {
      source.addEventListener(name, (event: MessageEvent<string>) => {
        this.lastPosition = event.lastEventId;
        const product = JSON.parse(event.data) as ProductChangeMessage['product'];
        this.handlers.onChange({ position: Number(event.lastEventId), event: name, product });
      });
    }
  }

  private startPolling(): void {
    if (this.pollTimer !== undefined) return;
    this.pollTimer = setInterval(() => this.handlers.onPoll(), this.options.fallbackMs ?? 15_000);
  }

  private stopPolling(): void {
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private status(status: LiveStatus): void {
    this.options.onStatus?.(status);
  }
}

/** Subscribes while the component is mounted; returns the status for a LiveIndicator. The handlers may change on every render. */
export function useLiveFeed(url: string, handlers: LiveHandlers, fallbackMs = 15_000): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => {
    const feed = new LiveFeed(
      url,
      {
        onStart: (position, reload) => current.current.onStart(position, reload),
        onChange: (message) => current.current.onChange(message),
        onPoll: () => current.current.onPoll(),
      },
      { fallbackMs, onStatus: setStatus },
    );
    feed.start();
    return () => feed.stop();
  }, [url, fallbackMs]);
  return status;
}
