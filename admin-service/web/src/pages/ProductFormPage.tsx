import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, messageOf } from '@catalogue/web-kit';
import { useApi, type Product, type ProductInput } from '../api';

const FIELDS = [
  { name: 'title', label: 'Title', type: 'text', hint: 'Up to 200 characters.' },
  { name: 'image', label: 'Image URL', type: 'url', hint: 'An http(s) address of the picture.' },
] as const;

/** Create (no id) or edit; the API's validation reasons appear next to their fields. */
export function ProductFormPage() {
  const call = useApi();
  const navigate = useNavigate();
  const { id } = useParams();
  const editing = id !== undefined;
  const [values, setValues] = useState<ProductInput>({ title: '', image: '' });
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(editing);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!editing) return;
    const abort = new AbortController();
    call<Product>(`/api/products/${encodeURIComponent(id)}`, { signal: abort.signal }).then(
      ({ data }) => {
        setValues({ title: data.title, image: data.image });
        setLoading(false);
      },
      (err: unknown) => {
        if (abort.signal.aborted) return;
        setError(messageOf(err));
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [call, editing, id]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setError(null);
    setFieldErrors({});
    try {
      const { data } = editing
        ? await call<Product>(`/api/products/${encodeURIComponent(id)}`, { method: 'PUT', body: values })
        : await call<Product>('/api/products', { method: 'POST', body: values });
      navigate('/products', { state: { flash: `${editing ? 'Saved' : 'Created'} “${data.title}”.` } });
    } catch (err) {
      const byField = err instanceof ApiError ? err.fieldErrors() : {};
      setFieldErrors(byField);
      const unplaced = err instanceof ApiError ? err.details.filter((d) => !FIELDS.some((f) => d.field.split(',').map((x) => x.trim()).includes(f.name))) : [];
      setError(
        Object.keys(byField).some((f) => FIELDS.some((x) => x.name === f)) && unplaced.length === 0
          ? 'Please correct the fields marked below.'
          : [messageOf(err), ...unplaced.map((d) => `${d.field}: ${d.reason}`)].join(' '),
      );
      setSaving(false);
    }
  }

  const heading = editing ? 'Edit product' : 'New product';
  return (
    <section aria-labelledby="form-title">
      <h2 id="form-title">{heading}</h2>
      {loading ? (
        <p className="hint">Loading…</p>
      ) : (
        <form className="card product-form" onSubmit={submit} noValidate>
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
                  aria-describedby={`${inputId}-hint${problem ? ` ${inputId}-error` : ''}`}
                />
                <p className="hint" id={`${inputId}-hint`}>
                  {field.hint}
                </p>
                {problem && (
                  <p className="field-error" id={`${inputId}-error`} data-field={field.name}>
                    {field.label} {problem}
                  </p>
                )}
              </div>
            );
          })}
          <div className="actions">
            <button type="submit" className="primary" disabled={saving}>
              {saving ? 'Saving…' : editing ? 'Save changes' : 'Create product'}
            </button>
            <Link className="button" to="/products">
              Cancel
            </Link>
          </div>
        </form>
      )}
    </section>
  );
}
