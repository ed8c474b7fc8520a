import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { ApiError, messageOf } from '@catalogue/web-kit';
import { useApi, type Product } from '../api';
import { applyLocally, firstPageUrl, SORTS } from './productQuery';

type Load = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; products: Product[]; next?: string; degraded: boolean };

export function ProductsPage() {
  const call = useApi();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const sort = params.get('sort') ?? '';
  const [draft, setDraft] = useState(q);
  /** URLs of the pages before this one, for Previous; the current page's URL is last. */
  const [trail, setTrail] = useState<string[]>([]);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [reload, setReload] = useState(0);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [flash, setFlash] = useState<string | null>((location.state as { flash?: string } | null)?.flash ?? null);

  useEffect(() => setTrail([firstPageUrl(q, sort)]), [q, sort]);
  useEffect(() => setDraft(q), [q]);

  const pageUrl = trail[trail.length - 1];
  useEffect(() => {
    if (!pageUrl) return;
    const abort = new AbortController();
    setLoad({ state: 'loading' });
    fetchPage(pageUrl, abort.signal).then(
      ({ data, next, refused }) => {
        const local = applyLocally(data, q, sort);
        setLoad({ state: 'ready', products: local.products, ...(next ? { next } : {}), degraded: refused || local.degraded });
      },
      (err: unknown) => {
        if (!abort.signal.aborted) setLoad({ state: 'failed', message: messageOf(err) });
      },
    );
    return () => abort.abort();
    // `call`, `q` and `sort` are stable for a given page URL.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pageUrl, reload]);

  /** A server that refuses q or sort by name is asked again without them. */
  async function fetchPage(url: string, signal: AbortSignal) {
    try {
      return { ...(await call<Product[]>(url, { signal })), refused: false };
    } catch (err) {
      const names = err instanceof ApiError && err.status === 400 ? err.details.map((d) => d.field) : [];
      if (!names.some((n) => n === 'q' || n === 'sort')) throw err;
      const plain = new URL(url, window.location.origin);
      plain.searchParams.delete('q');
      plain.searchParams.delete('sort');
      return { ...(await call<Product[]>(`${plain.pathname}${plain.search}`, { signal })), refused: true };
    }
  }

  function search(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams(params);
    if (draft.trim()) next.set('q', draft.trim());
    else next.delete('q');
    setParams(next);
  }

  function changeSort(value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set('sort', value);
    else next.delete('sort');
    setParams(next);
  }

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
        <Link className="button primary" to="/products/new">
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
      {load.state === 'ready' && load.degraded && (
        <p className="notice">This server does not search or sort yet, so only the products on this page were filtered and sorted.</p>
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
      {load.state === 'ready' && load.products.length === 0 && <p className="notice">{q ? `No products match “${q}”.` : 'No products yet.'}</p>}
      {load.state === 'ready' && load.products.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Products, {SORTS.find((s) => s.value === sort)?.label ?? 'oldest first'}</caption>
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
                    <img src={product.image} alt="" width={48} height={36} loading="lazy" className="thumb" />
                  </td>
                  <th scope="row">
                    {product.title} <span className="hint">#{product.id}</span>
                  </th>
                  <td className="num" data-label="Likes">{product.likes}</td>
                  <td>
                    {confirming === product.id ? (
                      <div className="actions" role="group" aria-label={`Confirm deleting ${product.title}`}>
                        <button type="button" className="danger" onClick={() => remove(product)}>
                          Yes, delete
                        </button>
                        <button type="button" onClick={() => setConfirming(null)}>
                          Keep
                        </button>
                      </div>
                    ) : (
                      <div className="actions">
                        <Link className="button" to={`/products/${product.id}/edit`} aria-label={`Edit ${product.title}`}>
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
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={trail.length <= 1} onClick={() => setTrail((t) => t.slice(0, -1))}>
          ← Previous
        </button>
        <span>Page {trail.length}</span>
        <button type="button" disabled={!(load.state === 'ready' && load.next)} onClick={() => load.state === 'ready' && load.next && setTrail((t) => [...t, load.next!])}>
          Next →
        </button>
      </nav>
    </section>
  );
}
