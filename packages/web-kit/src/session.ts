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

/**
 * The signed-in person, kept in localStorage under one key per app so a reload keeps the session.
 * Only the bearer token and public profile are stored; the token expires on its own.
 */
export function useSession(storageKey: string, loginPath: string) {
  const [session, setSession] = useState<Session | null>(() => readSession(storageKey));

  useEffect(() => {
    if (!session) return;
    const left = session.expiresAt - Date.now();
    const timer = setTimeout(() => setSession(null), Math.max(0, left));
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
      setSession(next);
      return next;
    },
    [loginPath],
  );
  const signOut = useCallback(() => setSession(null), []);
  return { session, signIn, signOut };
}

function readSession(storageKey: string): Session | null {
  try {
    const raw = localStorage.getItem(storageKey);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Session;
    if (typeof parsed.token !== 'string' || typeof parsed.expiresAt !== 'number' || parsed.expiresAt <= Date.now()) return null;
    return parsed;
  } catch {
    return null;
  }
}
