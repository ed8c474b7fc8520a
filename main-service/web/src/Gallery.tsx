import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, LiveIndicator, messageOf, type Session } from '@catalogue/web-kit';
import { like, likedAmong, unlike, type Product } from './api';
import { useLiveList } from './useLiveList';
import { likeButtonId, ProductCard } from './ProductCard';
import { usePaging } from './paging';

interface Props {
  session: Session | null;
  /** The API refused the token: the app ends the session and asks to sign in again. */
  onSessionEnded: () => void;
  /** Someone not signed in pressed Like: the app opens the sign-in form, then hands the like back. */
  onWantsSignIn: (productId: number) => void;
  /** A like asked for before signing in, to make now that there is a session. */
  pendingLike: number | null;
  onPendingLikeDone: () => void;
  /** Says something once to screen readers (the app's polite live region). */
  announce: (text: string) => void;
}

const FALLBACK_SECONDS = 15;
/** The gallery's heading: the focus goes there after a page change, and after signing in from the banner. */
export const GALLERY_HEADING_ID = 'gallery-title';

export function Gallery({ session, onSessionEnded, onWantsSignIn, pendingLike, onPendingLikeDone, announce }: Props) {
  const { query, pageNumber, backGoesToFirst, moves, goTo, goBack } = usePaging();
  const { load, status, retry, changeLikes } = useLiveList(query ? `/api/products${query}` : undefined, FALLBACK_SECONDS);
  const [liked, setLiked] = useState<Set<number>>(new Set());
  const [likedProblem, setLikedProblem] = useState<string | null>(null);
  const [errors, setErrors] = useState<Map<number, string>>(new Map());
  /** Products whose like or unlike is on its way: another press waits, so the two cannot cross. */
  const busy = useRef(new Set<number>());
  /** When each product was last pressed (a counter, not a clock): an answer about likes asked for before
   * a press says nothing about that product, even if the press has finished by the time it arrives. */
  const presses = useRef({ count: 0, last: new Map<number, number>() });
  const token = session?.token;

  const ids = load.state === 'ready' ? load.products.map((p) => p.id).join(',') : '';
  useEffect(() => {
    setLikedProblem(null);
    if (!token || !ids) {
      setLiked(new Set());
      return;
    }
    const abort = new AbortController();
    const askedAfter = presses.current.count;
    likedAmong(ids.split(',').map(Number), token, abort.signal).then(
      // A product pressed since the question was asked keeps what the page shows: the answer may predate it.
      (found) =>
        setLiked((current) => {
          const next = new Set(found);
          for (const [id, pressedAt] of presses.current.last) {
            if (pressedAt <= askedAfter) continue;
            if (current.has(id)) next.add(id);
            else next.delete(id);
          }
          return next;
        }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) {
          onSessionEnded();
          return;
        }
        setLikedProblem(`We could not check which products you already like: ${messageOf(err)}`);
      },
    );
    return () => abort.abort();
  }, [ids, token, onSessionEnded]);

  // After Next, Previous or Back, the new page's heading takes the focus (and says which page it is).
  const heading = useRef<HTMLHeadingElement>(null);
  const focusedMove = useRef(0);
  useEffect(() => {
    if (moves === focusedMove.current || load.state === 'loading') return;
    focusedMove.current = moves;
    heading.current?.focus();
  }, [moves, load.state]);

  const markLiked = useCallback((productId: number, isLiked: boolean) => {
    setLiked((current) => {
      const next = new Set(current);
      if (isLiked) next.add(productId);
      else next.delete(productId);
      return next;
    });
  }, []);

  const setError = useCallback((productId: number, message: string | null) => {
    setErrors((current) => {
      const next = new Map(current);
      if (message) next.set(productId, message);
      else next.delete(productId);
      return next;
    });
  }, []);

  /** Shows the change at once, then confirms it with the API; undoes it if the API refuses. */
  const toggleLike = useCallback(
    async (product: Product, wantLiked: boolean, sessionToken: string) => {
      if (busy.current.has(product.id)) return;
      busy.current.add(product.id);
      presses.current.last.set(product.id, ++presses.current.count);
      setError(product.id, null);
      markLiked(product.id, wantLiked);
      changeLikes(product.id, wantLiked ? +1 : -1);
      const count = product.likes + (wantLiked ? 1 : -1);
      try {
        await (wantLiked ? like(product.id, sessionToken) : unlike(product.id, sessionToken));
        announce(`${wantLiked ? 'You like' : 'You no longer like'} ${product.title}. ${count} ${count === 1 ? 'like' : 'likes'}.`);
      } catch (err) {
        changeLikes(product.id, wantLiked ? -1 : +1);
        // Liked before (on another device, or before signing in): it is liked, and was counted then.
        if (wantLiked && err instanceof ApiError && err.code === 'already_liked') {
          announce(`You already like ${product.title}.`);
          return;
        }
        markLiked(product.id, !wantLiked);
        if (err instanceof ApiError && err.status === 401) {
          onSessionEnded();
          return;
        }
        setError(product.id, `${wantLiked ? 'Your like was not saved' : 'Your like was not taken back'}: ${messageOf(err)}`);
      } finally {
        busy.current.delete(product.id);
      }
    },
    [announce, changeLikes, markLiked, onSessionEnded, setError],
  );

  const onToggleLike = useCallback(
    (product: Product) => {
      if (!token) onWantsSignIn(product.id);
      else void toggleLike(product, !liked.has(product.id), token);
    },
    [token, liked, onWantsSignIn, toggleLike],
  );

  // The like that opened the sign-in form, made once there is a session; the focus goes back to its button.
  useEffect(() => {
    if (pendingLike === null || !token || load.state !== 'ready') return;
    onPendingLikeDone();
    const product = load.products.find((p) => p.id === pendingLike);
    if (!product) {
      announce('The product you wanted to like is no longer on this page.');
      heading.current?.focus();
      return;
    }
    document.getElementById(likeButtonId(product.id))?.focus();
    void toggleLike(product, true, token);
  }, [pendingLike, token, load, onPendingLikeDone, toggleLike, announce]);

  const next = load.state === 'ready' ? load.next : undefined;
  return (
    <section aria-labelledby={GALLERY_HEADING_ID} aria-busy={load.state === 'loading'}>
      <div className="gallery-head">
        <h2 id={GALLERY_HEADING_ID} ref={heading} tabIndex={-1}>
          Products{pageNumber !== null && pageNumber > 1 && <span className="visually-hidden">, page {pageNumber}</span>}
        </h2>
        <LiveIndicator status={status} subject="Likes and products" pollSeconds={FALLBACK_SECONDS} />
      </div>
      {likedProblem && (
        <p className="error" role="alert">
          {likedProblem}
        </p>
      )}
      {load.state === 'loading' && <p className="hint">Loading products…</p>}
      {load.state === 'failed' && (
        <div className="error" role="alert">
          <p>We could not load the products. {load.message}</p>
          <button type="button" onClick={retry}>
            Try again
          </button>
        </div>
      )}
      {load.state === 'ready' && load.products.length === 0 && (
        <p className="notice">{query ? 'No more products.' : 'No products yet. Come back soon.'}</p>
      )}
      {load.state === 'ready' && load.products.length > 0 && (
        <ul className="gallery">
          {load.products.map((product) => (
            <ProductCard
              key={product.id}
              product={product}
              liked={liked.has(product.id)}
              signedIn={Boolean(token)}
              error={errors.get(product.id) ?? null}
              onToggleLike={onToggleLike}
            />
          ))}
        </ul>
      )}
      {load.state !== 'loading' && (query || next) && (
        <nav className="pager" aria-label="Pages">
          <button type="button" onClick={goBack} disabled={!query}>
            {backGoesToFirst ? '← First page' : '← Previous'}
          </button>
          {pageNumber !== null && <span aria-current="page">Page {pageNumber}</span>}
          <button type="button" onClick={() => next && goTo(next)} disabled={!next}>
            Next →
          </button>
        </nav>
      )}
    </section>
  );
}
