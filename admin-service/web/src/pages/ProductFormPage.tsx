import { useEffect, useState, type FormEvent, type MouseEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError, messageOf, ProductImage } from '@catalogue/web-kit';
import { useApi, type Product, type ProductInput } from '../api';
import { useFlash } from '../flash';
import type { ListReturn } from './ProductsPage';

const FIELDS = [
  { name: 'title', label: 'Title', type: 'text', hint: 'Up to 200 characters.' },
  { name: 'image', label: 'Image URL', type: 'url', hint: 'An http(s) address of the picture.' },
] as const;

/** Product ids as the API takes them: a positive whole number. */
const PRODUCT_ID = /^[1-9]\d{0,9}$/;
/** How long the image address must rest before the preview asks for it (not one request per key). */
const PREVIEW_DELAY_MS = 400;

type Loading = { state: 'loading' } | { state: 'ready' } | { state: 'missing'; message: string } | { state: 'failed'; message: string };

const isWebAddress = (value: string): boolean => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/** Create (no id) or edit; the API's validation reasons appear next to their fields. */
export function ProductFormPage() {
  const call = useApi();
  const navigate = useNavigate();
  const location = useLocation();
  const { id } = useParams();
  const editing = id !== undefined;
  // Opened from the list: going back returns to it as it was left (search, sort, page, and its
  // own Previous). Opened by its address alone: the list's first page.
  const returnTo = (location.state as { returnTo?: ListReturn } | null)?.returnTo;
  const list = { pathname: '/products', search: returnTo?.search ?? '' };
  const flash = useFlash();
  const backToTheList = (event?: MouseEvent) => {
    if (!returnTo) return;
    event?.preventDefault();
    void navigate(-1);
  };
  const [values, setValues] = useState<ProductInput>({ title: '', image: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState<Loading>({ state: editing ? 'loading' : 'ready' });
  const [attempt, setAttempt] = useState(0);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!editing) return;
    // Not worth asking the API: say so at once, and show no form to fill in for nothing.
    if (!PRODUCT_ID.test(id)) {
      setLoading({ state: 'missing', message: `“${id}” is not a product id: product ids are whole numbers.` });
      return;
    }
    const abort = new AbortController();
    setLoading({ state: 'loading' });
    call<Product>(`/api/products/${id}`, { signal: abort.signal }).then(
      ({ data }) => {
        if (abort.signal.aborted) return;
        setValues({ title: data.title, image: data.image });
        setLoading({ state: 'ready' });
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        if (err instanceof ApiError && err.status === 404)
          setLoading({ state: 'missing', message: `There is no product ${id}: it may have been deleted.` });
        else setLoading({ state: 'failed', message: `Product ${id} could not be read. ${messageOf(err)}` });
      },
    );
    return () => abort.abort();
  }, [call, editing, id, attempt]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setError(null);
    setFieldErrors({});
    try {
      const { data } = editing
        ? await call<Product>(`/api/products/${encodeURIComponent(id)}`, { method: 'PUT', body: values })
        : await call<Product>('/api/products', { method: 'POST', body: values });
      flash.show(`${editing ? 'Saved' : 'Created'} “${data.title}”.`);
      if (returnTo) backToTheList();
      else await navigate(list);
    } catch (err) {
      const byField = err instanceof ApiError ? err.fieldErrors() : {};
      setFieldErrors(byField);
      const unplaced =
        err instanceof ApiError
          ? err.details.filter(
              (d) =>
                !FIELDS.some((f) =>
                  d.field
                    .split(',')
                    .map((x) => x.trim())
                    .includes(f.name),
                ),
            )
          : [];
      setError(
        Object.keys(byField).some((f) => FIELDS.some((x) => x.name === f)) && unplaced.length === 0
          ? 'Please correct the fields marked below.'
          : [messageOf(err), ...unplaced.map((d) => `${d.field}: ${d.reason}`)].join(' '),
      );
      setSaving(false);
    }
  }

  const heading = editing ? 'Edit product' : 'New product';
  const backToList = (
    <Link className="button" to={list} onClick={backToTheList}>
      Back to the products
    </Link>
  );
  return (
    <section aria-labelledby="form-title">
      <h2 id="form-title">{heading}</h2>
      {loading.state === 'loading' && <p className="hint">Loading…</p>}
      {loading.state === 'missing' && (
        <div className="error" role="alert">
          <p>{loading.message}</p>
          {backToList}
        </div>
      )}
      {loading.state === 'failed' && (
        <div className="error" role="alert">
          <p>{loading.message}</p>
          <div className="actions">
            <button type="button" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
            {backToList}
          </div>
        </div>
      )}
      {loading.state === 'ready' && (
        <form className="card product-form" onSubmit={(event) => void submit(event)} noValidate>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          {FIELDS.map((field) => {
            const problem = fieldErrors[field.name];
            const inputId = `product-${field.name}`;
            return (
              <div className="field" key={field.name}>
                <label htmlFor={inputId}>{field.label}</label>
                <input
                  id={inputId}
                  name={field.name}
                  type={field.type}
                  value={values[field.name]}
                  onChange={(e) => setValues((v) => ({ ...v, [field.name]: e.target.value }))}
                  aria-invalid={problem ? true : undefined}
                  aria-describedby={`${inputId}-hint${problem ? ` ${inputId}-error` : ''}${field.name === 'image' ? ' image-preview-note' : ''}`}
                />
                <p className="hint" id={`${inputId}-hint`}>
                  {field.hint}
                </p>
                {problem && (
                  <p className="field-error" id={`${inputId}-error`} data-field={field.name}>
                    {field.label} {problem}
                  </p>
                )}
                {field.name === 'image' && <ImagePreview address={values.image} title={values.title} />}
              </div>
            );
          })}
          <div className="actions">
            <button type="submit" className="primary" disabled={saving}>
              {saving ? 'Saving…' : editing ? 'Save changes' : 'Create product'}
            </button>
            <Link className="button" to={list} onClick={backToTheList}>
              Cancel
            </Link>
          </div>
        </form>
      )}
    </section>
  );
}

/**
 * The picture at the address being typed, as the storefront will show it (the same fallback tile
 * when it cannot be loaded), with a note then: the address may be right and the picture host
 * down, so saving is still allowed.
 */
function ImagePreview({ address, title }: { address: string; title: string }) {
  const [shown, setShown] = useState(address);
  const [result, setResult] = useState<{ address: string; loaded: boolean } | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => setShown(address), PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [address]);
  const previewable = isWebAddress(shown.trim());
  const failed = previewable && result?.address === shown && !result.loaded;

  return (
    <div className="image-preview">
      {/* The box is there before there is a picture, so the buttons below never move under the pointer. */}
      {!previewable && <div className="preview-image preview-empty" aria-hidden="true" />}
      {previewable && (
        <ProductImage
          key={shown}
          className="preview-image"
          src={shown.trim()}
          title={title.trim() || 'this product'}
          width={240}
          height={180}
          onLoadResult={(loaded) => setResult({ address: shown, loaded })}
        />
      )}
      <p className={failed ? 'hint preview-failed' : 'hint'} id="image-preview-note" role="status">
        {failed
          ? 'This picture could not be loaded from that address. You can still save it: where it cannot be loaded, the storefront shows a tile with the title’s first letter, as above.'
          : previewable
            ? 'Preview of the picture at this address.'
            : ''}
      </p>
    </div>
  );
}
