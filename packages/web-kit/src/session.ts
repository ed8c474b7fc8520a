import { useCallback, useEffect, useState } from 'react';
import { callApi } from './api';

export type Role = 'staff' | 'customer';

export interface Session {
  token: string;
  /** Epoch milliseconds after which the token is refused; we sign out a little before. */
  expiresAt: number;
  user: { id: string | number; email: string; role: Role };
}

interface LoginAnswer {
  token: string;
  expiresIn: number;
  user: Session['user'];
}

type Stored = { session: Session; ended: false } | { session: null; ended: boolean };

/**
 * The signed-in person, kept in localStorage under one key per app so a reload keeps the session.
 * Only the bearer token and public profile are stored; the token expires on its own.
 *
 * `ended` is true when the session ended without the person asking: the token expired (while the
 * page was open, or while it was closed), or an API refused it (`endSession`, on a 401). The
 * page says so next to its sign-in form; signing in again, or out, clears it.
 */
export function useSession(storageKey: string, loginPath: string) {
  const [state, setState] = useState<Stored>(() => readSession(storageKey));
  const { session } = state;

  useEffect(() => {
    if (!session) return;
    const left = session.expiresAt - Date.now();
    const timer = setTimeout(() => setState({ session: null, ended: true }), Math.max(0, left));
    return () => clearTimeout(timer);
  }, [session]);

  useEffect(() => {
    if (session) localStorage.setItem(storageKey, JSON.stringify(session));
    else localStorage.removeItem(storageKey);
  }, [session, storageKey]);

  const signIn = useCallback(
    async (email: string, password: string): Promise<Session> => {
      const { data } = await callApi<LoginAnswer>(loginPath, { method: 'POST', body: { email, password } });
      const next: Session = { token: data.token, user: data.user, expiresAt: Date.now() + data.expiresIn * 1000 - 5_000 };
      setState({ session: next, ended: false });
      return next;
    },
    [loginPath],
  );
  const signOut = useCallback(() => setState({ session: null, ended: false }), []);
  /** The API refused the token (401): the session is over, and the page should say so. */
  const endSession = useCallback(() => setState((current) => (current.session ? { session: null, ended: true } : current)), []);
  /** The person has seen the message (e.g. closed the sign-in form). */
  const dismissEnded = useCallback(() => setState((current) => (current.ended ? { session: null, ended: false } : current)), []);
  return { session, ended: state.ended, signIn, signOut, endSession, dismissEnded };
}

function readSession(storageKey: string): Stored {
  try {
    const raw = localStorage.getItem(storageKey);
    if (!raw) return { session: null, ended: false };
    const parsed = JSON.parse(raw) as Session;
    if (typeof parsed.token !== 'string' || typeof parsed.expiresAt !== 'number') return { session: null, ended: false };
    // A session that expired while the page was closed: the person was signed in, and is not now.
    if (parsed.expiresAt <= Date.now()) return { session: null, ended: true };
    return { session: parsed, ended: false };
  } catch {
    return { session: null, ended: false };
  }
}
