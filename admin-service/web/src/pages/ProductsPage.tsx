import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router';
import { LiveIndicator, messageOf, ProductImage, type LiveStatus } from '@catalogue/web-kit';
import { useApi, type Product } from '../api';
import { useFlash } from '../flash';
import { Pager, useAddressPaging } from './addressPaging';
import { loadProductsPage, menuSort, pageUrlOf, SORTS } from './productQuery';

type Load =
  { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; products: Product[]; next?: string; degraded: boolean };

/**
 * Like counts (and titles, deletions) are read again this often while the page is visible. The
 * console polls admin rather than streaming: it may call only admin (decision 0010), a stream
 * cannot carry its bearer token (EventSource sends no Authorization header), and a handful of
 * staff tabs reading one page every few seconds costs admin next to nothing (decision 0022).
 */
const POLL_SECONDS = 5;

/**
 * What a form opened from the list knows of it: that the entry before the form is the list as it
 * was left (search, sort, page), to go back to; and its address, for the links.
 */
export interface ListReturn {
  search: string;
}

export function ProductsPage() {
  const call = useApi();
  const location = useLocation();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const paging = useAddressPaging(load.state === 'loading');
  const { params, pageNumber, firstPageWith } = paging;
  const q = params.get('q') ?? '';
  const sort = menuSort(params.get('sort') ?? '');
  const pageUrl = pageUrlOf(params);
  const [draft, setDraft] = useState(q);
  const [reload, setReload] = useState(0);
  const [confirming, setConfirming] = useState<number | null>(null);
  // A message left by the form (Saved, Created) is taken once, for this visit of the list.
  const left = useFlash();
  const [flash, setFlash] = useState<string | null>(left.message);
  const takeFlash = left.show;
  useEffect(() => takeFlash(null), [takeFlash]);

  useEffect(() => setDraft(q), [q]);

  useEffect(() => {
    const abort = new AbortController();
    setLoad({ state: 'loading' });
    // Every answer checks it is still wanted: a page left behind (a new search, sort or page) must
    // never show over the one asked for since.
    loadProductsPage(call, pageUrl, q, sort, abort.signal).then(
      (page) => {
        if (!abort.signal.aborted) setLoad({ state: 'ready', ...page });
      },
      (err: unknown) => {
        if (!abort.signal.aborted) setLoad({ state: 'failed', message: messageOf(err) });
      },
    );
    return () => abort.abort();
  }, [call, pageUrl, q, sort, reload]);

  const [polling, setPolling] = useState<LiveStatus>('polling');
  useEffect(() => {
    let reading: AbortController | undefined;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible' || reading) return;
      const abort = new AbortController();
      reading = abort;
      loadProductsPage(call, pageUrl, q, sort, abort.signal).then(
        (page) => {
          reading = undefined;
          if (abort.signal.aborted) return;
          setPolling('polling');
          // Only over a page already shown: a page still loading, or failed, is left to its own load.
          setLoad((current) => (current.state === 'ready' ? { state: 'ready', ...page } : current));
        },
        () => {
          reading = undefined;
          if (!abort.signal.aborted) setPolling('reconnecting');
        },
      );
    }, POLL_SECONDS * 1000);
    return () => {
      clearInterval(timer);
      reading?.abort();
    };
  }, [call, pageUrl, q, sort]);

  // A new search or sort starts at the first page.
  function search(event: FormEvent) {
    event.preventDefault();
    const words = draft.trim();
    firstPageWith((next) => (words ? next.set('q', words) : next.delete('q')));
  }

  function changeSort(value: string) {
    firstPageWith((next) => (value ? next.set('sort', value) : next.delete('sort')));
  }

  const sortLabel = SORTS.find((s) => s.value === sort)?.label ?? 'Default order';
  const here: ListReturn = { search: location.search };

  async function remove(product: Product) {
    setConfirming(null);
    try {
      await call(`/api/products/${product.id}`, { method: 'DELETE' });
      setFlash(`Deleted “${product.title}”.`);
      setReload((n) => n + 1);
    } catch (err) {
      setFlash(null);
      setLoad({ state: 'failed', message: `“${product.title}” was not deleted: ${messageOf(err)}` });
    }
  }

  return (
    <section aria-labelledby="products-title">
      <div className="page-head">
        <h2 id="products-title">Products</h2>
        <LiveIndicator status={polling} subject="Like counts" pollSeconds={POLL_SECONDS} />
        <Link className="button primary" to="/products/new" state={{ returnTo: here }}>
          New product
        </Link>
      </div>
      {flash && (
        <p className="notice" role="status">
          {flash}
        </p>
      )}
      <div className="toolbar">
        <form role="search" onSubmit={search} className="search">
          <label htmlFor="product-search" className="visually-hidden">
            Search products by title
          </label>
          <input id="product-search" type="search" placeholder="Search by title" value={draft} onChange={(e) => setDraft(e.target.value)} />
          <button type="submit">Search</button>
        </form>
        <div className="sort">
          <label htmlFor="product-sort">Sort</label>
          <select id="product-sort" value={sort} onChange={(e) => changeSort(e.target.value)}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <h3 className="list-title" id="products-list-title" ref={paging.landing} tabIndex={-1}>
        {sortLabel}
        {q && <> matching “{q}”</>}
        {pageNumber !== undefined && <>, page {pageNumber}</>}
      </h3>
      {load.state === 'ready' && load.degraded && (
        <p className="notice">
          This server does not search or sort yet, so the console filtered and sorted the products it read; the order holds within each page
          only.
        </p>
      )}
      {load.state === 'loading' && <p className="hint">Loading products…</p>}
      {load.state === 'failed' && (
        <div className="error" role="alert">
          <p>{load.message}</p>
          <button type="button" onClick={() => setReload((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {load.state === 'ready' && load.products.length === 0 && (
        <p className="notice">{q ? `No products match “${q}”.` : 'No products yet.'}</p>
      )}
      {load.state === 'ready' && load.products.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Products, {sortLabel}</caption>
            <thead>
              <tr>
                <th scope="col">Image</th>
                <th scope="col">Title</th>
                <th scope="col" className="num">
                  Likes
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {load.products.map((product) => (
                <tr key={product.id} data-product-id={product.id}>
                  <td>
                    <ProductImage
                      className="thumb"
                      src={product.image}
                      title={product.title}
                      width={48}
                      height={36}
                      decorative
                      loading="eager"
                    />
                  </td>
                  <th scope="row">
                    {product.title} <span className="hint">#{product.id}</span>
                  </th>
                  <td className="num" data-label="Likes">
                    {product.likes}
                  </td>
                  <td>
                    {confirming === product.id ? (
                      <div className="actions" role="group" aria-label={`Confirm deleting ${product.title}`}>
                        <button type="button" className="danger" onClick={() => void remove(product)}>
                          Yes, delete
                        </button>
                        <button type="button" onClick={() => setConfirming(null)}>
                          Keep
                        </button>
                      </div>
                    ) : (
                      <div className="actions">
                        <Link
                          className="button"
                          to={`/products/${product.id}/edit`}
                          state={{ returnTo: here }}
                          aria-label={`Edit ${product.title}`}
                        >
                          Edit
                        </Link>
                        <button type="button" onClick={() => setConfirming(product.id)} aria-label={`Delete ${product.title}`}>
                          Delete
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager paging={paging} next={load.state === 'ready' ? load.next : undefined} />
    </section>
  );
}
