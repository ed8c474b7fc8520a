import { useCallback, useEffect, useState } from 'react';
import { ApiError, LiveIndicator, messageOf, type Session } from '@catalogue/web-kit';
import { like, likedAmong, type Product } from './api';
import { useLiveList } from './useLiveList';
import { ProductCard } from './ProductCard';
import { usePaging } from './paging';

interface Props {
  session: Session | null;
  onSessionExpired(): void;
  onWantsSignIn(): void;
}

const SESSION_ENDED = 'Your session has ended. Sign in again to like products.';
const FALLBACK_SECONDS = 15;

export function Gallery({ session, onSessionExpired, onWantsSignIn }: Props) {
  const { query, pageNumber, goTo, goBack } = usePaging();
  const { load, status, retry, changeLikes } = useLiveList(query ? `/api/products${query}` : undefined, FALLBACK_SECONDS);
  const [liked, setLiked] = useState<Set<number>>(new Set());
  const [likedProblem, setLikedProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const token = session?.token;

  const ids = load.state === 'ready' ? load.products.map((p) => p.id).join(',') : '';
  useEffect(() => {
    setLikedProblem(null);
    if (!token || !ids) {
      setLiked(new Set());
      return;
    }
    const abort = new AbortController();
    likedAmong(ids.split(',').map(Number), token, abort.signal).then(setLiked, (err: unknown) => {
      if (abort.signal.aborted) return;
      if (err instanceof ApiError && err.status === 401) {
        onSessionExpired();
        setNotice(SESSION_ENDED);
        return;
      }
      setLikedProblem(`We could not check which products you already like: ${messageOf(err)}`);
    });
    return () => abort.abort();
  }, [ids, token, onSessionExpired]);

  const markLiked = useCallback((productId: number, isLiked: boolean) => {
    setLiked((current) => {
      const next = new Set(current);
      if (isLiked) next.add(productId);
      else next.delete(productId);
      return next;
    });
  }, []);

  /** Shows the like at once, then confirms it with the API; undoes it if the API refuses. */
  const onLike = useCallback(
    async (product: Product): Promise<string | null> => {
      if (!token) {
        onWantsSignIn();
        return null;
      }
      markLiked(product.id, true);
      changeLikes(product.id, +1);
      try {
        await like(product.id, token);
        return null;
      } catch (err) {
        changeLikes(product.id, -1);
        if (err instanceof ApiError && err.code === 'already_liked') return null;
        markLiked(product.id, false);
        if (err instanceof ApiError && err.status === 401) {
          onSessionExpired();
          setNotice(SESSION_ENDED);
          return null;
        }
        return `Your like was not saved: ${messageOf(err)}`;
      }
    },
    [token, onWantsSignIn, onSessionExpired, markLiked, changeLikes],
  );

  return (
    <section aria-labelledby="gallery-title" aria-busy={load.state === 'loading'}>
      <div className="gallery-head">
        <h2 id="gallery-title">Products</h2>
        <LiveIndicator status={status} subject="Likes and products" pollSeconds={FALLBACK_SECONDS} />
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
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
      {load.state === 'ready' && load.products.length === 0 && <p className="notice">{pageNumber > 1 ? 'No more products.' : 'No products yet. Come back soon.'}</p>}
      {load.state === 'ready' && load.products.length > 0 && (
        <ul className="gallery">
          {load.products.map((product) => (
            <ProductCard key={product.id} product={product} liked={liked.has(product.id)} signedIn={Boolean(token)} onLike={onLike} />
          ))}
        </ul>
      )}
      {load.state !== 'loading' && (pageNumber > 1 || (load.state === 'ready' && load.next)) && (
        <nav className="pager" aria-label="Pages">
          <button type="button" onClick={goBack} disabled={pageNumber <= 1}>
            ← Previous
          </button>
          <span aria-current="page">Page {pageNumber}</span>
          <button type="button" onClick={() => load.state === 'ready' && load.next && goTo(load.next)} disabled={!(load.state === 'ready' && load.next)}>
            Next →
          </button>
        </nav>
      )}
    </section>
  );
}
