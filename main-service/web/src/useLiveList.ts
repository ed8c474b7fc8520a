import { useCallback, useEffect, useState } from 'react';
import { messageOf, useLiveFeed, type LiveHandlers, type LiveStatus, type ProductChangeMessage } from '@catalogue/web-kit';
import { listProducts, type ProductPage } from './api';
import { applyMessage } from './liveList';

export type Load = { state: 'loading' } | { state: 'failed'; message: string } | ({ state: 'ready' } & ProductPage);

export const STREAM_URL = '/api/products/stream';
/** Messages kept to apply again to a page that was read while they arrived. */
const RECENT = 500;
/** A page read behind the stream's start is read again, a few times at most (a replica that lags behind). */
const BEHIND_READS = 3;
/** Reads that every open page would make at once (a reload, a product moving pages) are spread over this. */
const SPREAD_MS = 1000;

/**
 * One page of the storefront's list, kept current by the live stream: counts, titles and
 * deletions change in place; a page is read again (quietly, keeping what is shown) when the
 * stream says what it missed cannot be replayed, when a product moves across the page's edges,
 * when the page was read before the stream started, and every `fallbackSeconds` while there is no stream.
 */
class LiveList {
  private shown: Load = { state: 'loading' };
  private pageUrl?: string;
  private reading?: AbortController;
  private recent: ProductChangeMessage[] = [];
  private streamStart?: number;
  private behind = 0;
  private due?: ReturnType<typeof setTimeout>;

  constructor(private readonly render: (load: Load) => void) {}

  /** Shows a page from scratch (loading first); returns how to let it go. */
  open(pageUrl: string | undefined): () => void {
    this.pageUrl = pageUrl;
    this.show({ state: 'loading' });
    this.read(true);
    return () => {
      this.reading?.abort();
      clearTimeout(this.due);
      this.due = undefined;
    };
  }

  readonly handlers: LiveHandlers = {
    onStart: (position, reload) => {
      this.streamStart = position;
      this.recent = [];
      this.behind = 0;
      if (reload) this.readAgain(Math.random() * SPREAD_MS);
      else if (this.shown.state === 'ready' && (this.shown.position ?? -1) < position) this.readAgain(0);
    },
    onChange: (message) => {
      this.recent.push(message);
      if (this.recent.length > RECENT) this.recent.shift();
      if (this.shown.state !== 'ready') return;
      const { page, readAgain } = applyMessage(this.shown, message);
      this.show({ state: 'ready', ...page });
      if (readAgain) this.readAgain(Math.random() * SPREAD_MS);
    },
    onPoll: () => this.readAgain(0),
  };

  /** The page's own like, shown before the API confirms it (and taken back if it refuses). */
  changeLikes = (productId: number, delta: number): void => {
    if (this.shown.state !== 'ready') return;
    this.show({ ...this.shown, products: this.shown.products.map((p) => (p.id === productId ? { ...p, likes: p.likes + delta } : p)) });
  };

  private readAgain(delayMs: number): void {
    if (this.due !== undefined) return;
    this.due = setTimeout(() => {
      this.due = undefined;
      this.read(false);
    }, delayMs);
  }

  private read(first: boolean): void {
    this.reading?.abort();
    const reading = new AbortController();
    this.reading = reading;
    listProducts(this.pageUrl, reading.signal).then(
      (page) => {
        if (!reading.signal.aborted) this.accept(page);
      },
      (err: unknown) => {
        if (reading.signal.aborted) return;
        // A quiet read that fails leaves the page as it was.
        if (first || this.shown.state !== 'ready') this.show({ state: 'failed', message: messageOf(err) });
      },
    );
  }

  /** A page as read, with what the stream said after the position it was read at. */
  private accept(page: ProductPage): void {
    const position = page.position ?? -1;
    let current = page;
    for (const message of this.recent) if (message.position > position) current = applyMessage(current, message).page;
    this.show({ state: 'ready', ...current });
    // The stream tells of changes after its start: a page read before it may lack some in between.
    if (this.streamStart !== undefined && position < this.streamStart) {
      if (this.behind++ < BEHIND_READS) this.readAgain(250);
    } else {
      this.behind = 0;
    }
  }

  private show(load: Load): void {
    this.shown = load;
    this.render(load);
  }
}

export function useLiveList(
  pageUrl: string | undefined,
  fallbackSeconds: number,
): { load: Load; status: LiveStatus; retry: () => void; changeLikes: (productId: number, delta: number) => void } {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [list] = useState(() => new LiveList(setLoad));
  const [attempt, setAttempt] = useState(0);
  useEffect(() => list.open(pageUrl), [list, pageUrl, attempt]);
  const status = useLiveFeed(STREAM_URL, list.handlers, fallbackSeconds * 1000);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { load, status, retry, changeLikes: list.changeLikes };
}
