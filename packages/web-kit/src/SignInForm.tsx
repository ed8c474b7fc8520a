import { useId, useState, type FormEvent } from 'react';
import { ApiError, messageOf } from './api';

interface Props {
  onSignIn: (email: string, password: string) => Promise<unknown>;
  title?: string;
  onCancel?: () => void;
  /** Said above the fields, e.g. why the person is asked to sign in (again). */
  notice?: string | null;
}

/** Email and password, with the API's answer in words: wrong credentials, too many tries, server down. */
export function SignInForm({ onSignIn, title = 'Sign in', onCancel, notice }: Props) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn(email.trim(), password);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That email and password do not match an account.' : messageOf(err));
      setBusy(false);
    }
  }

  return (
    <form className="card sign-in" onSubmit={(event) => void submit(event)} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>{title}</h2>
      {notice && (
        <p className="notice" role="status" id={`${id}-notice`}>
          {notice}
        </p>
      )}
      <div className="field">
        <label htmlFor={`${id}-email`}>Email</label>
        <input
          id={`${id}-email`}
          type="email"
          autoComplete="username"
          autoFocus
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          // The first field takes the focus: a screen reader reads the notice with it.
          aria-describedby={notice ? `${id}-notice` : undefined}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
